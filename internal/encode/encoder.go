// Package encode turns keys and values into bytes with a codec, without
// allocating wherever the codec allows it. It is the machinery behind
// diskmap.Map and concurrent.Map; user code implements the interfaces of
// package codec instead.
package encode

import (
	"encoding/binary"

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
}

// New returns an Encoder for c.
func New[T any](c codec.Codec[T]) Encoder[T] {
	b, _ := c.(codec.Borrower[T])
	p, _ := c.(codec.Packer[T])
	return Encoder[T]{c: c, borrow: b, pack: p}
}

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
