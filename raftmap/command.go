package raftmap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A command is the data of one raft log entry: the writes of one Put,
// PutTTL, Delete or Batch, in order, with keys and values encoded by the
// node's codecs:
//
//	+-----------+-------------+------+------+------+
//	| version 1 | count uvarint | op | op | ...  |
//	+-----------+-------------+------+------+------+
//
//	op: kind 1 byte (1 put, 2 delete), key length uvarint, key,
//	    and for a put: value length uvarint, value, expiry varint
//
// A put's expiry is an absolute time in Unix nanoseconds, decided by the
// node that proposed it, or 0 for a key that never expires: every replica
// expires the key at the same instant, whenever it applies the command.
const commandVersion = 1

// Kinds of op; part of the log's format.
const (
	opPut    = 1
	opDelete = 2
)

// op is one write of a command.
type op struct {
	kind   byte
	key    []byte // encoded key
	value  []byte // encoded value, for a put
	expiry int64  // absolute expiry in Unix nanoseconds, 0 for none
}

// errCommand is wrapped by the errors of a command that does not decode.
var errCommand = errors.New("raftmap: malformed command")

// encodeCommand returns the log entry data of ops.
func encodeCommand(ops []op) []byte {
	n := 1 + binary.MaxVarintLen64
	for _, o := range ops {
		n += 1 + 3*binary.MaxVarintLen64 + len(o.key) + len(o.value)
	}
	b := make([]byte, 0, n)
	b = append(b, commandVersion)
	b = binary.AppendUvarint(b, uint64(len(ops)))
	for _, o := range ops {
		b = append(b, o.kind)
		b = binary.AppendUvarint(b, uint64(len(o.key)))
		b = append(b, o.key...)
		if o.kind == opPut {
			b = binary.AppendUvarint(b, uint64(len(o.value)))
			b = append(b, o.value...)
			b = binary.AppendVarint(b, o.expiry)
		}
	}
	return b
}

// decodeCommand returns the ops of the log entry data b, which alias b.
func decodeCommand(b []byte) ([]op, error) {
	if len(b) == 0 || b[0] != commandVersion {
		return nil, fmt.Errorf("%w: want version %d", errCommand, commandVersion)
	}
	d := decoder{b: b[1:]}
	count := d.uvarint()
	if count > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: %d ops in %d bytes", errCommand, count, len(b))
	}
	ops := make([]op, 0, count)
	for range count {
		o := op{kind: d.byte(), key: d.bytes()}
		switch o.kind {
		case opPut:
			o.value, o.expiry = d.bytes(), d.varint()
		case opDelete:
		default:
			d.fail()
		}
		ops = append(ops, o)
	}
	if d.bad || len(d.b) != 0 {
		return nil, fmt.Errorf("%w of %d bytes", errCommand, len(b))
	}
	return ops, nil
}

// decoder reads a command; a read past the end, or of a bad varint, sets
// bad and returns zeros.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) fail() { d.bad, d.b = true, nil }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}
