package wal

import (
	"encoding/binary"
	"errors"

	"github.com/cespare/xxhash/v2"
)

// Format constants of a frame. They are part of the file format.
const (
	HeaderSize = 24 // bytes before the payload
	Align      = 8  // frames start at multiples of Align

	OpPut    = 0x01
	OpDelete = 0x02
)

// FrameSize returns the bytes a frame with an n-byte payload occupies.
func FrameSize(n int) int64 { return (int64(n) + HeaderSize + Align - 1) &^ (Align - 1) }

// PutFrame writes a frame with sequence number seq and the payload at the
// start of b, which must hold FrameSize(len(payload)) bytes.
func PutFrame(b []byte, seq uint64, payload []byte) {
	n := len(payload)
	binary.LittleEndian.PutUint32(b[0:], uint32(n))
	binary.LittleEndian.PutUint32(b[4:], 0)
	binary.LittleEndian.PutUint64(b[8:], seq)
	copy(b[HeaderSize:], payload)
	clear(b[HeaderSize+n : FrameSize(n)])
	binary.LittleEndian.PutUint64(b[16:], checksum(b[:16], payload))
}

func checksum(head, payload []byte) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.Write(head)
	d.Write(payload)
	return d.Sum64()
}

// frameAt decodes the frame at offset off of log, returning its sequence
// number and payload, or ok false if no whole frame is there.
func frameAt(log []byte, off int64) (seq uint64, payload []byte, ok bool) {
	if off > int64(len(log))-HeaderSize {
		return 0, nil, false
	}
	h := log[off : off+HeaderSize]
	n := int64(binary.LittleEndian.Uint32(h))
	if binary.LittleEndian.Uint32(h[4:]) != 0 || n > int64(len(log))-off-HeaderSize {
		return 0, nil, false
	}
	payload = log[off+HeaderSize : off+HeaderSize+n]
	if checksum(h[:16], payload) != binary.LittleEndian.Uint64(h[16:]) {
		return 0, nil, false
	}
	if Ops(payload, func(byte, []byte, []byte) error { return nil }) != nil {
		return 0, nil, false
	}
	return binary.LittleEndian.Uint64(h[8:]), payload, true
}

// AppendPut appends a put operation to an operations payload.
func AppendPut(p, key, value []byte) []byte {
	p = append(p, OpPut)
	p = binary.AppendUvarint(p, uint64(len(key)))
	p = append(p, key...)
	p = binary.AppendUvarint(p, uint64(len(value)))
	return append(p, value...)
}

// AppendDelete appends a delete operation to an operations payload.
func AppendDelete(p, key []byte) []byte {
	p = append(p, OpDelete)
	p = binary.AppendUvarint(p, uint64(len(key)))
	return append(p, key...)
}

// ErrMalformed is returned by Ops for a payload that does not parse; replay
// treats its frame as the end of the log.
var ErrMalformed = errors.New("diskmap: malformed log operation")

// Ops calls fn for each operation of a payload, with its kind, key and
// value (nil for a delete), and stops at the first error.
func Ops(p []byte, fn func(op byte, key, value []byte) error) error {
	for len(p) > 0 {
		op := p[0]
		key, rest, ok := field(p[1:])
		if !ok {
			return ErrMalformed
		}
		var value []byte
		switch op {
		case OpPut:
			if value, rest, ok = field(rest); !ok {
				return ErrMalformed
			}
		case OpDelete:
		default:
			return ErrMalformed
		}
		if err := fn(op, key, value); err != nil {
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
