package layout_test

import (
	"encoding/binary"
	"testing"

	"github.com/diskmap-go/diskmap/layout"
)

// The field accessors read the bytes the spec names, as ReadSlot does.
func TestSlotFieldAccessors(t *testing.T) {
	b := make([]byte, layout.SlotSize)
	s := layout.Slot{Fingerprint: 0xAABBCCDD, Key: 0x11223344, Value: 0x01020304, ValueLen: 0x55667788}
	layout.WriteSlot(b, s)
	fp, key := layout.SlotHead(b)
	if fp != s.Fingerprint || key != s.Key {
		t.Fatalf("SlotHead = %#x, %#x; want %#x, %#x", fp, key, s.Fingerprint, s.Key)
	}
	if got := layout.SlotKeyField(b); got != s.Key {
		t.Fatalf("SlotKeyField = %#x, want %#x", got, s.Key)
	}
	if got := layout.SlotValueLen(b); got != s.ValueLen {
		t.Fatalf("SlotValueLen = %#x, want %#x", got, s.ValueLen)
	}
	layout.SetSlotKey(b, layout.SlotDeleted)
	if _, key := layout.SlotHead(b); key != layout.SlotDeleted || layout.SlotKeyField(b) != layout.SlotDeleted {
		t.Fatalf("after SetSlotKey: % x", b)
	}
}

// RecordLen reads the length a record's header holds.
func TestRecordLen(t *testing.T) {
	p := []byte("hello, world")
	b := make([]byte, layout.RecordSize(len(p)))
	layout.PutRecord(b, p)
	if got := layout.RecordLen(b); got != uint32(len(p)) || got != binary.LittleEndian.Uint32(b) {
		t.Fatalf("RecordLen = %d, want %d", got, len(p))
	}
}
