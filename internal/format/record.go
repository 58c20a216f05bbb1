package format

import (
	"encoding/binary"

	"github.com/diskmap-go/diskmap/layout"
)

// RecordLen returns the payload length field of the record at the start
// of b, unchecked.
func RecordLen(b []byte) uint32 { return binary.LittleEndian.Uint32(b[:4]) }

// PutRecord writes a record holding payload at the start of b, which must
// have layout.RecordSize(len(payload)) bytes: PutPayload, then PutHeader.
func PutRecord(b []byte, payload []byte) {
	PutPayload(b, payload)
	PutHeader(b, payload)
}

// PutPayload writes payload and its zero padding into the record at the
// start of b, leaving its header as it was. A record written over in place
// (see Update in place in package layout), with a payload of its own
// length, is torn from then until PutHeader, its length field unchanged.
func PutPayload(b []byte, payload []byte) {
	n := len(payload)
	copy(b[layout.RecordHeaderSize:], payload)
	clear(b[layout.RecordHeaderSize+n : layout.RecordSize(n)])
}

// PutHeader writes the header of the record at the start of b, whose
// payload is written: length and checksum, as one 8-byte word.
func PutHeader(b []byte, payload []byte) {
	binary.LittleEndian.PutUint64(b[:layout.RecordHeaderSize], uint64(len(payload))|uint64(layout.Checksum(payload))<<32)
}

// ScanEnd walks records from off while each lies within arena and is whole
// or a torn dead record (see layout.NextRecord), and returns the offset
// after the last one: the end of an arena that was not closed cleanly.
func ScanEnd(arena []byte, off int64) int64 {
	size := int64(len(arena))
	for {
		_, next, _, err := layout.NextRecord(arena, off, size, 0)
		if err != nil {
			return off
		}
		off = next
	}
}

// PutExpiringRecord writes at the start of b, which must have
// layout.ExpiringRecordSize(len(value)) bytes, an expiring record (see
// layout.SlotExpires): its payload is expiry, Unix nanoseconds, followed
// by value. The padding is zeroed.
func PutExpiringRecord(b []byte, expiry int64, value []byte) {
	PutExpiringPayload(b, expiry, value)
	n := layout.ExpirySize + len(value)
	PutHeader(b, b[layout.RecordHeaderSize:layout.RecordHeaderSize+n])
}

// PutExpiringPayload writes the payload of an expiring record, expiry and
// value, and its zero padding into the record at the start of b, leaving
// its header as it was, as PutPayload does.
func PutExpiringPayload(b []byte, expiry int64, value []byte) {
	n := layout.ExpirySize + len(value)
	p := b[layout.RecordHeaderSize : layout.RecordHeaderSize+n : layout.RecordHeaderSize+n]
	binary.LittleEndian.PutUint64(p, uint64(expiry))
	copy(p[layout.ExpirySize:], value)
	clear(b[layout.RecordHeaderSize+n : layout.RecordSize(n)])
}

// Retire retires the whole record at the start of b: its checksum field
// becomes the complement of its payload's checksum, so that the record is
// no longer whole, and its length stays as it was. A retired twin is
// written over as any twin (see Update in place in package layout).
func Retire(b []byte) {
	sum := binary.LittleEndian.Uint32(b[4:layout.RecordHeaderSize])
	binary.LittleEndian.PutUint32(b[4:layout.RecordHeaderSize], ^sum)
}
