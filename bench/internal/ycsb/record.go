package ycsb

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/pingcap/go-ycsb/pkg/util"
)

// YCSB's record: ten fields of 100 bytes (fieldcount, fieldlength), here
// one value of FieldCount*FieldLength bytes.
const (
	FieldCount  = 10
	FieldLength = 100
	ValueSize   = FieldCount * FieldLength
)

// headerSize is the start of a value that names it: the record number and
// the version, 8 bytes each, little-endian. The rest is derived from them.
const headerSize = 16

// Key returns the key of record n: "user" and the decimal of the FNV hash
// of n, as go-ycsb's buildKeyName makes it for hashed (not ordered) inserts.
func Key(n int64) []byte {
	return strconv.AppendInt([]byte("user"), util.Hash64(n), 10)
}

// Value returns the value of record n at version v, in new bytes: the
// header, then bytes from a splitmix64 stream seeded by n and v.
func Value(n int64, v uint64) []byte {
	b := make([]byte, ValueSize)
	binary.LittleEndian.PutUint64(b, uint64(n))
	binary.LittleEndian.PutUint64(b[8:], v)
	s := uint64(n)*0x9e3779b97f4a7c15 ^ v
	for i := headerSize; i+8 <= len(b); i += 8 {
		s += 0x9e3779b97f4a7c15
		z := (s ^ s>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		binary.LittleEndian.PutUint64(b[i:], z^z>>31)
	}
	return b
}

// version checks that b is a value of record n and returns its version.
func version(n int64, b []byte) (uint64, error) {
	if len(b) != ValueSize {
		return 0, fmt.Errorf("record %d: value of %d bytes, want %d", n, len(b), ValueSize)
	}
	if got := int64(binary.LittleEndian.Uint64(b)); got != n {
		return 0, fmt.Errorf("record %d: read the value of record %d", n, got)
	}
	return binary.LittleEndian.Uint64(b[8:]), nil
}
