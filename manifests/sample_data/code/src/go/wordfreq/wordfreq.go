// Package wordfreq counts word frequencies in a stream of text.
package wordfreq

import (
	"bufio"
	"io"
	"sort"
	"strings"
	"unicode"
)

// Entry is a word together with the number of times it was seen.
type Entry struct {
	Word  string
	Count int
}

// Count reads r line by line and returns how often each lower-cased word appears.
func Count(r io.Reader) (map[string]int, error) {
	counts := make(map[string]int)
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		words := strings.FieldsFunc(scanner.Text(), func(c rune) bool {
			return !unicode.IsLetter(c) && c != '\''
		})
		for _, w := range words {
			counts[strings.ToLower(w)]++
		}
	}
	return counts, scanner.Err()
}

// Top returns the n most frequent words, ties broken alphabetically.
func Top(counts map[string]int, n int) []Entry {
	entries := make([]Entry, 0, len(counts))
	for w, c := range counts {
		entries = append(entries, Entry{Word: w, Count: c})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Count != entries[j].Count {
			return entries[i].Count > entries[j].Count
		}
		return entries[i].Word < entries[j].Word
	})
	if n < len(entries) {
		entries = entries[:n]
	}
	return entries
}
