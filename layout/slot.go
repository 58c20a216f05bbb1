package layout

import "encoding/binary"

// Format constants of a slot. They are part of the file format and must not
// change without a new Version.
const (
	SlotSize = 16 // bytes per slot

	// Values of a slot's key field that are not record offsets.
	SlotEmpty   = 0
	SlotDeleted = 1

	// SlotNoValue in a slot's value field is the empty value, which has
	// no record; its length field is 0.
	SlotNoValue = 0

	// SlotExpires is the top bit of a slot's value-length field. Set, the
	// payload of the value record starts with the key's expiry (ExpirySize
	// bytes, see Expiry) and the value follows it; the other 31 bits are
	// the payload's length, expiry included. Format version 1 never sets
	// it, nor a slot at SlotNoValue.
	SlotExpires = 1 << 31
)

// A slot's key field must never hold a real record at SlotDeleted's offset.
var _ [ArenaHeaderSize/Align - SlotDeleted - 1]struct{}

// The payload of the longest value with an expiry fits below SlotExpires.
var _ [SlotExpires - MaxValueLen - ExpirySize - 1]struct{}

// Slot is the decoded form of one slot of the table.
//
//	offset size field
//	     0    4 fingerprint: top 32 bits of the key's hash
//	     4    4 key record offset / 8; 0 = empty, 1 = deleted
//	     8    4 value record offset / 8; 0 = the empty value, no record
//	    12    4 value record's payload length; bit 31 (SlotExpires): the
//	              payload starts with an 8-byte expiry
type Slot struct {
	Fingerprint uint32
	Key         uint32 // key record offset / 8, or SlotEmpty, or SlotDeleted
	Value       uint32 // value record offset / 8, or SlotNoValue
	ValueLen    uint32 // the payload's length, with SlotExpires if it starts with an expiry
}

// Occupied reports whether the slot holds a key.
func (s Slot) Occupied() bool { return s.Key > SlotDeleted }

// Expires reports whether the slot's value record starts with an expiry.
func (s Slot) Expires() bool { return s.ValueLen&SlotExpires != 0 }

// RecordLen returns the length of the value record's payload: ValueLen
// without SlotExpires.
func (s Slot) RecordLen() uint32 { return s.ValueLen &^ SlotExpires }

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
