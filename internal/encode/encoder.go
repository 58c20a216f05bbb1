// Package encode turns keys and values into bytes with a codec, without
// allocating wherever the codec allows it. It is the machinery behind
// diskmap.Map and concurrent.Map; user code implements the interfaces of
// package codec instead.
package encode

import (
	"bytes"
	"encoding/binary"
	"sync"

	"github.com/diskmap-go/diskmap/codec"
)

// Encoder encodes values with a codec without allocating wherever the codec
// allows it: a value whose encoding is its own memory (codec.Borrower) is
// borrowed, one of at most 8 bytes (codec.Packer) is packed into the
// caller's scratch array, and anything else is appended to the caller's
// buffer. Maps use it to find keys with no allocation; it holds no state of
// its own, so one Encoder may serve many goroutines.
type Encoder[T any] struct {
	c      codec.Codec[T]
	borrow codec.Borrower[T]
	pack   codec.Packer[T]
	bound  codec.KeyBound[T] // c's, if its encodings depend on the key
}

// New returns an Encoder for c.
func New[T any](c codec.Codec[T]) Encoder[T] {
	b, _ := c.(codec.Borrower[T])
	p, _ := c.(codec.Packer[T])
	k, _ := c.(codec.KeyBound[T])
	return Encoder[T]{c: c, borrow: b, pack: p, bound: k}
}

// Bound reports whether the codec is a codec.KeyBound: its encodings of a
// value depend on the key, and must be made and read with EncodeFor,
// DecodeFor and EqualFor.
func (e *Encoder[T]) Bound() bool { return e.bound != nil }

// Codec returns the codec the Encoder wraps.
func (e *Encoder[T]) Codec() codec.Codec[T] { return e.c }

// Encode returns v's encoding. It may alias v or scratch, or be appended to
// (*buf)[:0], which then keeps the grown buffer for reuse. The result must
// not be modified, and is valid until scratch or *buf is reused.
func (e *Encoder[T]) Encode(v T, scratch *[8]byte, buf *[]byte) ([]byte, error) {
	switch {
	case e.borrow != nil:
		return e.borrow.Borrow(v), nil
	case e.pack != nil:
		w, n := e.pack.Pack(v)
		binary.LittleEndian.PutUint64(scratch[:], w)
		return scratch[:n], nil
	}
	b, err := e.c.Append((*buf)[:0], v)
	if err == nil {
		*buf = b
	}
	return b, err
}

// EncodeFor returns the encoding of v stored under the encoded key key:
// the codec's AppendFor for a codec.KeyBound, appended to (*buf)[:0], and
// Encode's for any other codec.
func (e *Encoder[T]) EncodeFor(key []byte, v T, scratch *[8]byte, buf *[]byte) ([]byte, error) {
	if e.bound == nil {
		return e.Encode(v, scratch, buf)
	}
	k := holdKey(key)
	defer releaseKey(k)
	b, err := e.bound.AppendFor((*buf)[:0], *k, v)
	if err == nil {
		*buf = b
	}
	return b, err
}

// DecodeFor returns the value encoded in b, stored under the encoded key
// key: DecodeFor for a codec.KeyBound, Decode for any other codec.
func (e *Encoder[T]) DecodeFor(key, b []byte) (T, error) {
	if e.bound == nil {
		return e.c.Decode(b)
	}
	k := holdKey(key)
	defer releaseKey(k)
	return e.bound.DecodeFor(*k, b)
}

// EqualFor reports whether b, an encoding stored under the encoded key
// key, holds v: for a codec.KeyBound as its EqualFor says, and for any
// other codec when b is v's encoding, byte for byte. It encodes v into
// buffers of its own.
func (e *Encoder[T]) EqualFor(key, b []byte, v T) (bool, error) {
	if e.bound != nil {
		k := holdKey(key)
		defer releaseKey(k)
		return e.bound.EqualFor(*k, b, v)
	}
	var scratch [8]byte
	var buf []byte
	vb, err := e.Encode(v, &scratch, &buf)
	return err == nil && bytes.Equal(b, vb), err
}

// keys holds copies of keys for the calls of a codec.KeyBound. A key
// handed to an interface's method escapes to the heap, and with it the
// caller's scratch array the key may lie in, for every codec: a copy keeps
// the maps of other codecs free of that allocation.
var keys = sync.Pool{New: func() any { return new([]byte) }}

// holdKey returns a copy of key from the pool.
func holdKey(key []byte) *[]byte {
	k := keys.Get().(*[]byte)
	*k = append((*k)[:0], key...)
	return k
}

// releaseKey puts a copy from holdKey back, unless it grew large.
func releaseKey(k *[]byte) {
	if cap(*k) <= 1<<16 {
		keys.Put(k)
	}
}
