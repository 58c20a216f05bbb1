package format_test

import (
	"encoding/binary"
	"testing"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// RecordLen reads the length a record's header holds.
func TestRecordLen(t *testing.T) {
	p := []byte("hello, world")
	b := make([]byte, layout.RecordSize(len(p)))
	format.PutRecord(b, p)
	if got := format.RecordLen(b); got != uint32(len(p)) || got != binary.LittleEndian.Uint32(b) {
		t.Fatalf("RecordLen = %d, want %d", got, len(p))
	}
}
