package format_test

import (
	"encoding/binary"
	"testing"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// The field accessors read the bytes the spec names, as ReadSlot does.
func TestSlotFieldAccessors(t *testing.T) {
	b := make([]byte, layout.SlotSize)
	s := layout.Slot{Fingerprint: 0xAABBCCDD, Key: 0x11223344, Value: 0x01020304, ValueLen: 0x55667788}
	format.WriteSlot(b, s)
	fp, key := format.SlotHead(b)
	if fp != s.Fingerprint || key != s.Key {
		t.Fatalf("SlotHead = %#x, %#x; want %#x, %#x", fp, key, s.Fingerprint, s.Key)
	}
	if got := format.SlotKeyField(b); got != s.Key {
		t.Fatalf("SlotKeyField = %#x, want %#x", got, s.Key)
	}
	if got := format.SlotValueLen(b); got != s.ValueLen {
		t.Fatalf("SlotValueLen = %#x, want %#x", got, s.ValueLen)
	}
	format.SetSlotKey(b, layout.SlotDeleted)
	if _, key := format.SlotHead(b); key != layout.SlotDeleted || format.SlotKeyField(b) != layout.SlotDeleted {
		t.Fatalf("after SetSlotKey: % x", b)
	}
}

func TestSlotRoundTrip(t *testing.T) {
	b := make([]byte, layout.SlotSize)
	s := layout.Slot{Fingerprint: 0xAABBCCDD, Key: 4, Value: 0x01020304, ValueLen: 100}
	format.WriteSlot(b, s)
	if got := layout.ReadSlot(b); got != s || !got.Occupied() {
		t.Fatalf("got %+v", got)
	}
	if binary.LittleEndian.Uint32(b[4:]) != 4 || binary.LittleEndian.Uint32(b[12:]) != 100 {
		t.Fatalf("fields not where the spec puts them: % x", b)
	}
	format.SetSlotValue(b, 9, 10)
	format.SetSlotKey(b, layout.SlotDeleted)
	got := layout.ReadSlot(b)
	if got.Value != 9 || got.ValueLen != 10 || got.Occupied() || got.Fingerprint != s.Fingerprint {
		t.Fatalf("after updates: %+v", got)
	}
	if layout.SlotOffset(3) != 4096+48 {
		t.Fatalf("SlotOffset(3) = %d", layout.SlotOffset(3))
	}
}
