package layout

import "encoding/binary"

// Format constants of expiring records. They are part of the file format
// and must not change without a new Version.
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

// Expiry returns the expiry at the start of an expiring record's payload,
// which has at least ExpirySize bytes.
func Expiry(payload []byte) int64 { return int64(binary.LittleEndian.Uint64(payload[:ExpirySize])) }

// Expired reports whether a key with expiry has expired at now, both Unix
// nanoseconds.
func Expired(expiry, now int64) bool { return now >= expiry }
