package diskmap

import (
	"encoding/binary"

	"github.com/diskmap-go/diskmap/codec"
)

// coder wraps a codec with the optional interfaces it implements, so that
// keys and values can be encoded without allocating: borrowed when their
// encoding is their own memory, packed into a caller's stack array when it
// is at most 8 bytes, appended to a buffer otherwise.
type coder[T any] struct {
	c      codec.Codec[T]
	borrow codec.Borrower[T]
	pack   codec.Packer[T]
}

func newCoder[T any](c codec.Codec[T]) coder[T] {
	b, _ := c.(codec.Borrower[T])
	p, _ := c.(codec.Packer[T])
	return coder[T]{c: c, borrow: b, pack: p}
}

// encode returns v's encoding, which may alias v or scratch, or be
// appended to (*buf)[:0], which then keeps the grown buffer for reuse.
func (c *coder[T]) encode(v T, scratch *[8]byte, buf *[]byte) ([]byte, error) {
	switch {
	case c.borrow != nil:
		return c.borrow.Borrow(v), nil
	case c.pack != nil:
		w, n := c.pack.Pack(v)
		binary.LittleEndian.PutUint64(scratch[:], w)
		return scratch[:n], nil
	}
	b, err := c.c.Append((*buf)[:0], v)
	if err == nil {
		*buf = b
	}
	return b, err
}
