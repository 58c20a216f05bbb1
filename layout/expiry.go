package layout

import (
	"encoding/binary"
	"math"
	"time"
)

// Format constants of expiring records. They are part of the file format.
const (
	// ExpirySize is the size of the expiry at the start of an expiring
	// value record's payload.
	ExpirySize = 8
	// ExpiryVersion is the first format version with expiring records.
	ExpiryVersion = 2
)

// An expiring value record, one whose slot has SlotExpires set:
//
//	offset size field
//	     0    4 payload length n (8 + the value's length)
//	     4    4 checksum: low 32 bits of XXH64(payload), the expiry included
//	     8    8 expiry: Unix time in nanoseconds, a signed integer
//	    16  n-8 value
//	   8+n    - zero padding to a multiple of 8
//
// The key is absent from the moment its expiry is reached: at any time t
// with t.UnixNano() >= expiry.

// ExpiringRecordSize returns the bytes an expiring record of an n-byte value
// occupies.
func ExpiringRecordSize(n int) int64 { return RecordSize(ExpirySize + n) }

// PutExpiringRecord writes at the start of b, which must have
// ExpiringRecordSize(len(value)) bytes, a record whose payload is expiry
// followed by value; the padding is zeroed.
func PutExpiringRecord(b []byte, expiry int64, value []byte) {
	n := ExpirySize + len(value)
	p := b[RecordHeaderSize : RecordHeaderSize+n : RecordHeaderSize+n]
	binary.LittleEndian.PutUint64(p, uint64(expiry))
	copy(p[ExpirySize:], value)
	clear(b[RecordHeaderSize+n : RecordSize(n)])
	binary.LittleEndian.PutUint32(b[0:], uint32(n))
	binary.LittleEndian.PutUint32(b[4:], Checksum(p))
}

// Expiry returns the expiry at the start of an expiring record's payload,
// which has at least ExpirySize bytes.
func Expiry(payload []byte) int64 { return int64(binary.LittleEndian.Uint64(payload[:ExpirySize])) }

// ExpiryAfter returns the expiry of a key put at now with a time to live of
// ttl: now plus ttl, in Unix nanoseconds, or the latest time there is if
// that would overflow. ttl must be positive.
func ExpiryAfter(now int64, ttl time.Duration) int64 {
	if now > 0 && int64(ttl) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(ttl)
}

// Expired reports whether a key with expiry has expired at now, both Unix
// nanoseconds.
func Expired(expiry, now int64) bool { return now >= expiry }
