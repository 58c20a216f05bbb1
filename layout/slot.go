package layout

import "encoding/binary"

// Format constants of a slot. They are part of the file format and must not
// change without a new Version.
const (
	SlotSize = 16 // bytes per slot

	// Values of a slot's key field that are not record offsets.
	SlotEmpty   = 0
	SlotDeleted = 1
)

// A slot's key field must never hold a real record at SlotDeleted's offset.
var _ [ArenaHeaderSize/Align - SlotDeleted - 1]struct{}

// Slot is the decoded form of one slot of the table.
//
//	offset size field
//	     0    4 fingerprint: top 32 bits of the key's hash
//	     4    4 key record offset / 8; 0 = empty, 1 = deleted
//	     8    4 value record offset / 8
//	    12    4 value length
type Slot struct {
	Fingerprint uint32
	Key         uint32 // key record offset / 8, or SlotEmpty, or SlotDeleted
	Value       uint32 // value record offset / 8
	ValueLen    uint32
}

// Occupied reports whether the slot holds a key.
func (s Slot) Occupied() bool { return s.Key > SlotDeleted }

// SlotOffset returns the offset of slot i in the buckets file.
func SlotOffset(i uint64) int64 { return MetaSize + int64(i)*SlotSize }

// ReadSlot decodes the slot at the start of b.
func ReadSlot(b []byte) Slot {
	b = b[:SlotSize:SlotSize]
	le := binary.LittleEndian
	return Slot{
		Fingerprint: le.Uint32(b[0:]),
		Key:         le.Uint32(b[4:]),
		Value:       le.Uint32(b[8:]),
		ValueLen:    le.Uint32(b[12:]),
	}
}

// SlotHead returns the fingerprint and key fields of the slot at the start
// of b (see Slot), read in one 8-byte load: what a probe compares.
func SlotHead(b []byte) (fingerprint, key uint32) {
	w := binary.LittleEndian.Uint64(b[:8])
	return uint32(w), uint32(w >> 32)
}

// SlotKeyField returns the key field of the slot at the start of b (see
// Slot): a key record offset / 8, SlotEmpty or SlotDeleted.
func SlotKeyField(b []byte) uint32 { return binary.LittleEndian.Uint32(b[4:8]) }

// SlotValueLen returns the value length field of the slot at the start of
// b (see Slot).
func SlotValueLen(b []byte) uint32 { return binary.LittleEndian.Uint32(b[12:16]) }

// WriteSlot encodes s at the start of b in the order the format requires:
// fingerprint and value fields first, the key field last.
func WriteSlot(b []byte, s Slot) {
	b = b[:SlotSize:SlotSize]
	le := binary.LittleEndian
	le.PutUint32(b[0:], s.Fingerprint)
	SetSlotValue(b, s.Value, s.ValueLen)
	le.PutUint32(b[4:], s.Key)
}

// SetSlotValue points the slot at the start of b at another value record,
// with one 8-byte store.
func SetSlotValue(b []byte, value, length uint32) {
	binary.LittleEndian.PutUint64(b[8:16], uint64(value)|uint64(length)<<32)
}

// SetSlotKey stores only the key field of the slot at the start of b; it is
// how a slot is marked deleted.
func SetSlotKey(b []byte, key uint32) { binary.LittleEndian.PutUint32(b[4:8], key) }
