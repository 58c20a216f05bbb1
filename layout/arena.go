package layout

import (
	"bytes"
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// Format constants of the arenas. They are part of the file format and must
// not change without a new Version.
const (
	ArenaHeaderSize  = 32 // bytes before the first record
	ArenaVersion     = 1  // version of the arena format, unchanged since format version 1
	RecordHeaderSize = 8  // length and checksum before each payload
	Align            = 8  // records start at multiples of Align

	// MaxArenaSize is the largest arena: slots store offsets / 8 in 32 bits.
	MaxArenaSize = (1<<32 - 1) * Align
	// MaxKeyLen is the longest key, in encoded bytes.
	MaxKeyLen = 1 << 20
	// MaxValueLen is the longest value, in encoded bytes.
	MaxValueLen = 1 << 30
)

// Magic numbers of the two arenas.
var (
	KeysMagic   = [8]byte{'d', 'm', 'k', 'e', 'y', 's', 0, 0}
	ValuesMagic = [8]byte{'d', 'm', 'v', 'a', 'l', 's', 0, 0}
)

// ArenaHeader is the decoded form of an arena's first 32 bytes.
//
//	offset size field
//	     0    8 magic "dmkeys\x00\x00" or "dmvals\x00\x00"
//	     8    4 version (ArenaVersion)
//	    12    4 zero
//	    16    8 generation
//	    24    8 checksum of bytes 0..23
type ArenaHeader struct {
	Magic      [8]byte
	Generation uint64
}

// Encode writes a into b[:ArenaHeaderSize].
func (a ArenaHeader) Encode(b []byte) {
	b = b[:ArenaHeaderSize:ArenaHeaderSize]
	clear(b)
	le := binary.LittleEndian
	copy(b, a.Magic[:])
	le.PutUint32(b[8:], ArenaVersion)
	le.PutUint64(b[16:], a.Generation)
	le.PutUint64(b[24:], xxhash.Sum64(b[:24]))
}

// DecodeArenaHeader decodes and checks an arena header that must carry magic.
func DecodeArenaHeader(b []byte, magic [8]byte) (ArenaHeader, error) {
	if len(b) < ArenaHeaderSize {
		return ArenaHeader{}, corrupt(int64(len(b)), "arena size", "at least 32 bytes", len(b))
	}
	le := binary.LittleEndian
	if !bytes.Equal(b[:8], magic[:]) {
		return ArenaHeader{}, corrupt(0, "arena magic", quoted(magic[:]), quoted(b[:8]))
	}
	if v := le.Uint32(b[8:]); v != ArenaVersion {
		return ArenaHeader{}, &VersionError{Found: v, Reads: ArenaVersion}
	}
	if sum, want := le.Uint64(b[24:]), xxhash.Sum64(b[:24]); sum != want {
		return ArenaHeader{}, corrupt(24, "arena header checksum", hex(want), hex(sum))
	}
	return ArenaHeader{Magic: magic, Generation: le.Uint64(b[16:])}, nil
}

// Record layout, 8-byte aligned:
//
//	offset size field
//	     0    4 payload length n
//	     4    4 checksum: low 32 bits of XXH64(payload)
//	     8    n payload
//	   8+n    - zero padding to a multiple of 8

// RecordSize returns the bytes a record with an n-byte payload occupies.
func RecordSize(n int) int64 { return (int64(n) + RecordHeaderSize + Align - 1) &^ (Align - 1) }

// RecordAt decodes the record at offset off of arena, whose first end bytes
// are in use, without checking its checksum. It checks that the record lies
// within the end and returns its payload and checksum; offsets in its
// errors are offsets in the arena.
func RecordAt(arena []byte, off, end int64) (payload []byte, sum uint32, err error) {
	end = min(end, int64(len(arena)))
	if off < ArenaHeaderSize || off%Align != 0 || off > end-RecordHeaderSize {
		return nil, 0, corrupt(off, "record offset", nil, off)
	}
	n := int64(binary.LittleEndian.Uint32(arena[off:]))
	if n > end-off-RecordHeaderSize {
		return nil, 0, corrupt(off, "record length", nil, n)
	}
	start := off + RecordHeaderSize
	return arena[start : start+n : start+n], binary.LittleEndian.Uint32(arena[off+4:]), nil
}

// CheckRecord decodes the record at off like RecordAt and verifies its
// checksum.
func CheckRecord(arena []byte, off, end int64) ([]byte, error) {
	p, sum, err := RecordAt(arena, off, end)
	if err != nil {
		return nil, err
	}
	if want := Checksum(p); sum != want {
		return nil, corrupt(off+4, "record checksum", hex(uint64(want)), hex(uint64(sum)))
	}
	return p, nil
}

// NextRecord checks the record at offset off of arena, whose first end
// bytes are in use, and returns its payload and the offset of the record
// after it. A record that is not whole ends a walk of the arena with the
// error, unless it is a dead record that a walk steps over, with torn set
// and no payload, which no slot points at:
//
//   - a retired record, anywhere: its checksum field is the complement of
//     its payload's checksum (a twin, see Update in place);
//   - below settled, the values arena's end as the header last recorded
//     it (0 for the keys arena, or when nothing is known), any record
//     whose header is not zero: its length is as it was appended, and it
//     is a twin that a crash left being written over (see Update in place
//     in the package doc);
//   - at or past settled, a torn dead record: its header is not zero, and
//     the record after it, at the offset its length gives, lies within
//     end and is whole or retired.
func NextRecord(arena []byte, off, end, settled int64) (payload []byte, next int64, torn bool, err error) {
	p, sum, err := RecordAt(arena, off, end)
	if err != nil {
		return nil, off, false, err
	}
	next = off + RecordSize(len(p))
	want := Checksum(p)
	switch {
	case sum == want:
		return p, next, false, nil
	case sum == ^want, next <= settled && binary.LittleEndian.Uint64(arena[off:]) != 0:
		return nil, next, true, nil
	}
	err = corrupt(off+4, "record checksum", hex(uint64(want)), hex(uint64(sum)))
	if binary.LittleEndian.Uint64(arena[off:]) == 0 {
		return nil, off, false, err
	}
	if q, nsum, nerr := RecordAt(arena, next, end); nerr != nil || !sound(q, nsum) {
		return nil, off, false, err
	}
	return nil, next, true, nil
}

// sound reports whether a record whose payload is p and whose checksum
// field is sum is whole or retired: where a walk finds the next record.
func sound(p []byte, sum uint32) bool {
	want := Checksum(p)
	return sum == want || sum == ^want
}
