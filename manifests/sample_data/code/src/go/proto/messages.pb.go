// This file is auto-generated. DO NOT EDIT.
// source: messages.proto

package proto

import "fmt"

// Severity of a log message.
type Severity int32

const (
	Severity_DEBUG   Severity = 0
	Severity_INFO    Severity = 1
	Severity_WARNING Severity = 2
	Severity_ERROR   Severity = 3
)

var Severity_name = map[int32]string{
	0: "DEBUG",
	1: "INFO",
	2: "WARNING",
	3: "ERROR",
}

var Severity_value = map[string]int32{
	"DEBUG":   0,
	"INFO":    1,
	"WARNING": 2,
	"ERROR":   3,
}

func (x Severity) String() string {
	if name, ok := Severity_name[int32(x)]; ok {
		return name
	}
	return fmt.Sprintf("Severity(%d)", int32(x))
}

// LogMessage is a single structured log line.
type LogMessage struct {
	Timestamp int64             `protobuf:"varint,1,opt,name=timestamp,proto3" json:"timestamp,omitempty"`
	Severity  Severity          `protobuf:"varint,2,opt,name=severity,proto3,enum=sample.Severity" json:"severity,omitempty"`
	Text      string            `protobuf:"bytes,3,opt,name=text,proto3" json:"text,omitempty"`
	Labels    map[string]string `protobuf:"bytes,4,rep,name=labels,proto3" json:"labels,omitempty"`
}

func (m *LogMessage) GetTimestamp() int64 {
	if m != nil {
		return m.Timestamp
	}
	return 0
}

func (m *LogMessage) GetSeverity() Severity {
	if m != nil {
		return m.Severity
	}
	return Severity_DEBUG
}

func (m *LogMessage) GetText() string {
	if m != nil {
		return m.Text
	}
	return ""
}

func (m *LogMessage) GetLabels() map[string]string {
	if m != nil {
		return m.Labels
	}
	return nil
}
