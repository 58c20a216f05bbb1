package wal

import (
	"encoding/binary"
	"errors"

	"github.com/cespare/xxhash/v2"
)

// Format constants of a frame. They are part of the file format and must
// not change without a new layout.Version.
const (
	FrameHeaderSize = 24 // bytes before the payload
	Align           = 8  // frames start at multiples of Align

	OpPut         = 0x01
	OpDelete      = 0x02
	OpPutExpiring = 0x03 // a put with an expiry; not in a log of format version 1

	expirySize = 8 // bytes of an OpPutExpiring's expiry
)

// FrameSize returns the bytes a frame with an n-byte payload occupies.
func FrameSize(n int) int64 { return (int64(n) + FrameHeaderSize + Align - 1) &^ (Align - 1) }

// salt is what a frame's checksum starts from: the salt of the log's
// generation, or none in a log of format version 1, which had no salt.
type salt struct {
	value uint64
	none  bool
}

// unsalted is how format version 1 checksummed frames.
var unsalted = salt{none: true}

// PutFrame writes a frame with sequence number seq and the payload, its
// checksum salted with salt, at the start of b, which must hold
// FrameSize(len(payload)) bytes.
//
//	offset size field
//	     0    4 payload length n
//	     4    4 zero
//	     8    8 sequence number
//	    16    8 checksum: XXH64 of the salt (8 bytes), bytes 0..15, the payload
//	    24    n payload: one or more operations
//	  24+n    - zero padding to a multiple of 8
func PutFrame(b []byte, salt, seq uint64, payload []byte) {
	putFrame(b, saltOf(salt), seq, payload)
}

func saltOf(v uint64) salt { return salt{value: v} }

func putFrame(b []byte, s salt, seq uint64, payload []byte) {
	n := len(payload)
	binary.LittleEndian.PutUint32(b[0:], uint32(n))
	binary.LittleEndian.PutUint32(b[4:], 0)
	binary.LittleEndian.PutUint64(b[8:], seq)
	copy(b[FrameHeaderSize:], payload)
	clear(b[FrameHeaderSize+n : FrameSize(n)])
	binary.LittleEndian.PutUint64(b[16:], s.checksum(b[:16], payload))
}

// checksum returns the checksum of a frame whose first 16 bytes are head.
func (s salt) checksum(head, payload []byte) uint64 {
	var d xxhash.Digest
	d.Reset()
	if !s.none {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], s.value)
		d.Write(b[:])
	}
	d.Write(head)
	d.Write(payload)
	return d.Sum64()
}

// frameAt decodes the frame at offset off of log, salted with s, returning
// its sequence number and payload, or ok false if no whole frame is there:
// one that fits, with zero in bytes 4..7, its checksum right and its
// operations parsing.
func frameAt(log []byte, off int64, s salt) (seq uint64, payload []byte, ok bool) {
	if off > int64(len(log))-FrameHeaderSize {
		return 0, nil, false
	}
	h := log[off : off+FrameHeaderSize]
	n := int64(binary.LittleEndian.Uint32(h))
	if binary.LittleEndian.Uint32(h[4:]) != 0 || n > int64(len(log))-off-FrameHeaderSize {
		return 0, nil, false
	}
	payload = log[off+FrameHeaderSize : off+FrameHeaderSize+n]
	if s.checksum(h[:16], payload) != binary.LittleEndian.Uint64(h[16:]) {
		return 0, nil, false
	}
	if parseOps(payload, s.none, func(Op) error { return nil }) != nil {
		return 0, nil, false
	}
	return binary.LittleEndian.Uint64(h[8:]), payload, true
}

// AppendPut appends a put operation to an operations payload:
//
//	0x01, uvarint key length, key, uvarint value length, value
func AppendPut(p, key, value []byte) []byte {
	p = append(p, OpPut)
	p = binary.AppendUvarint(p, uint64(len(key)))
	p = append(p, key...)
	p = binary.AppendUvarint(p, uint64(len(value)))
	return append(p, value...)
}

// AppendPutExpiring appends a put operation with an expiry, Unix time in
// nanoseconds, to an operations payload:
//
//	0x03, uvarint key length, key, expiry (8 bytes, little-endian),
//	uvarint value length, value
func AppendPutExpiring(p, key []byte, expiry int64, value []byte) []byte {
	p = append(p, OpPutExpiring)
	p = binary.AppendUvarint(p, uint64(len(key)))
	p = append(p, key...)
	p = binary.LittleEndian.AppendUint64(p, uint64(expiry))
	p = binary.AppendUvarint(p, uint64(len(value)))
	return append(p, value...)
}

// AppendDelete appends a delete operation to an operations payload:
//
//	0x02, uvarint key length, key
func AppendDelete(p, key []byte) []byte {
	p = append(p, OpDelete)
	p = binary.AppendUvarint(p, uint64(len(key)))
	return append(p, key...)
}

// ErrMalformed is returned by Ops for a payload that does not parse; replay
// treats its frame as the end of the log.
var ErrMalformed = errors.New("diskmap: malformed log operation")

// Op is one operation of a payload.
type Op struct {
	Kind   byte   // OpPut, OpDelete or OpPutExpiring
	Key    []byte // the key's encoded bytes
	Value  []byte // the value's encoded bytes; nil for a delete
	Expiry int64  // of an OpPutExpiring: Unix time in nanoseconds
}

// Ops calls fn for each operation of a payload and stops at the first
// error.
func Ops(p []byte, fn func(Op) error) error { return parseOps(p, false, fn) }

// parseOps is Ops; with v1 set, the payload is of a log of format version
// 1, which knows no OpPutExpiring.
func parseOps(p []byte, v1 bool, fn func(Op) error) error {
	for len(p) > 0 {
		op := Op{Kind: p[0]}
		var ok bool
		var rest []byte
		if op.Key, rest, ok = field(p[1:]); !ok {
			return ErrMalformed
		}
		switch {
		case op.Kind == OpPut:
			op.Value, rest, ok = field(rest)
		case op.Kind == OpPutExpiring && !v1 && len(rest) >= expirySize:
			op.Expiry = int64(binary.LittleEndian.Uint64(rest))
			op.Value, rest, ok = field(rest[expirySize:])
		case op.Kind != OpDelete:
			ok = false
		}
		if !ok {
			return ErrMalformed
		}
		if err := fn(op); err != nil {
			return err
		}
		p = rest
	}
	return nil
}

// field reads a uvarint length and that many bytes.
func field(p []byte) (b, rest []byte, ok bool) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return nil, nil, false
	}
	return p[k : k+int(n) : k+int(n)], p[k+int(n):], true
}
