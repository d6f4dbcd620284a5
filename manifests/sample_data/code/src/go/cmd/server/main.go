// Command server exposes a tiny JSON API that counts words in posted text.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"strings"
	"time"

	"example.org/sample/wordfreq"
)

type request struct {
	Text string `json:"text"`
	Top  int    `json:"top"`
}

type response struct {
	Words []wordfreq.Entry `json:"words"`
	Took  string           `json:"took"`
}

func countHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	start := time.Now()
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	if req.Top <= 0 {
		req.Top = 10
	}
	counts, err := wordfreq.Count(strings.NewReader(req.Text))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(response{Words: wordfreq.Top(counts, req.Top), Took: time.Since(start).String()})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/count", countHandler)
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	srv := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Println("listening on :8080")
	log.Fatal(srv.ListenAndServe())
}
