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

// PutExpiringRecord writes a whole record whose payload is the expiry,
// little-endian, then the value, padded with zeros to a multiple of 8.
func TestPutExpiringRecord(t *testing.T) {
	v := []byte("value")
	const at = layout.ArenaHeaderSize // where an arena's first record lies
	arena := make([]byte, at+layout.ExpiringRecordSize(len(v)))
	for i := range arena {
		arena[i] = 0xee // what the padding must not keep
	}
	b := arena[at:]
	format.PutExpiringRecord(b, -2, v)
	p, err := layout.CheckRecord(arena, at, int64(len(arena)))
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != layout.ExpirySize+len(v) || layout.Expiry(p) != -2 || string(p[layout.ExpirySize:]) != "value" {
		t.Fatalf("payload %x: want the expiry -2 and %q", p, v)
	}
	if binary.LittleEndian.Uint64(b[layout.RecordHeaderSize:]) != 1<<64-2 {
		t.Fatalf("expiry bytes %x, want -2 little-endian", b[layout.RecordHeaderSize:][:8])
	}
	for i := layout.RecordHeaderSize + len(p); i < len(b); i++ {
		if b[i] != 0 {
			t.Fatalf("padding byte %d is %#x, want 0", i, b[i])
		}
	}
}
