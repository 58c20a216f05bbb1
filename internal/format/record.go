package format

import (
	"encoding/binary"

	"github.com/diskmap-go/diskmap/layout"
)

// RecordLen returns the payload length field of the record at the start
// of b, unchecked.
func RecordLen(b []byte) uint32 { return binary.LittleEndian.Uint32(b[:4]) }

// PutRecord writes a record holding payload at the start of b, which must
// have layout.RecordSize(len(payload)) bytes; the padding is zeroed.
func PutRecord(b []byte, payload []byte) {
	n := len(payload)
	binary.LittleEndian.PutUint32(b[0:], uint32(n))
	binary.LittleEndian.PutUint32(b[4:], layout.Checksum(payload))
	copy(b[layout.RecordHeaderSize:], payload)
	clear(b[layout.RecordHeaderSize+n : layout.RecordSize(n)])
}

// ScanEnd walks records from off while each lies within arena and has a valid
// checksum, and returns the offset after the last such record: the end of an
// arena that was not closed cleanly.
func ScanEnd(arena []byte, off int64) int64 {
	size := int64(len(arena))
	for {
		p, err := layout.CheckRecord(arena, off, size)
		if err != nil {
			return off
		}
		off += layout.RecordSize(len(p))
	}
}

// PutExpiringRecord writes at the start of b, which must have
// layout.ExpiringRecordSize(len(value)) bytes, an expiring record (see
// layout.SlotExpires): its payload is expiry, Unix nanoseconds, followed
// by value. The padding is zeroed.
func PutExpiringRecord(b []byte, expiry int64, value []byte) {
	n := layout.ExpirySize + len(value)
	p := b[layout.RecordHeaderSize : layout.RecordHeaderSize+n : layout.RecordHeaderSize+n]
	binary.LittleEndian.PutUint64(p, uint64(expiry))
	copy(p[layout.ExpirySize:], value)
	clear(b[layout.RecordHeaderSize+n : layout.RecordSize(n)])
	binary.LittleEndian.PutUint32(b[0:], uint32(n))
	binary.LittleEndian.PutUint32(b[4:], layout.Checksum(p))
}
