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

// PutRecord writes the header last, in one 8-byte word: length, then
// checksum.
func TestPutHeader(t *testing.T) {
	b := make([]byte, layout.RecordSize(5))
	format.PutRecord(b, []byte("hello"))
	if w := binary.LittleEndian.Uint64(b); uint32(w) != 5 || uint32(w>>32) != layout.Checksum([]byte("hello")) {
		t.Fatalf("header % x", b[:8])
	}
	if string(b[8:13]) != "hello" || b[13] != 0 || b[15] != 0 {
		t.Fatalf("payload and padding % x", b[8:])
	}
}
