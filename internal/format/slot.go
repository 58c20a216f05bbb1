package format

import (
	"encoding/binary"

	"github.com/diskmap-go/diskmap/layout"
)

// SlotHead returns the fingerprint and key fields of the slot at the start
// of b (see layout.Slot), read in one 8-byte load: what a probe compares.
func SlotHead(b []byte) (fingerprint, key uint32) {
	w := binary.LittleEndian.Uint64(b[:8])
	return uint32(w), uint32(w >> 32)
}

// SlotKeyField returns the key field of the slot at the start of b (see
// layout.Slot): a key record offset / 8, layout.SlotEmpty or
// layout.SlotDeleted.
func SlotKeyField(b []byte) uint32 { return binary.LittleEndian.Uint32(b[4:8]) }

// SlotValueLen returns the value length field of the slot at the start of
// b (see layout.Slot), layout.SlotExpires included.
func SlotValueLen(b []byte) uint32 { return binary.LittleEndian.Uint32(b[12:16]) }

// WriteSlot encodes s at the start of b in the order the format requires:
// fingerprint and value fields first, the key field last.
func WriteSlot(b []byte, s layout.Slot) {
	b = b[:layout.SlotSize:layout.SlotSize]
	le := binary.LittleEndian
	le.PutUint32(b[0:], s.Fingerprint)
	SetSlotValue(b, s.Value, s.ValueLen)
	le.PutUint32(b[4:], s.Key)
}

// SetSlotValue points the slot at the start of b at another value record,
// with one 8-byte store. length is the value-length field,
// layout.SlotExpires included.
func SetSlotValue(b []byte, value, length uint32) {
	binary.LittleEndian.PutUint64(b[8:16], uint64(value)|uint64(length)<<32)
}

// SetSlotKey stores only the key field of the slot at the start of b; it is
// how a slot is marked deleted.
func SetSlotKey(b []byte, key uint32) { binary.LittleEndian.PutUint32(b[4:8], key) }

// SlotRecordLen returns the payload length of the value record that the
// slot at the start of b points at: its value-length field without
// layout.SlotExpires.
func SlotRecordLen(b []byte) uint32 { return SlotValueLen(b) &^ layout.SlotExpires }
