package codec

import (
	"encoding/binary"
	"reflect"

	"github.com/diskmap-go/diskmap/internal/unsafebytes"
)

// Fixed returns the codec of T, a type of fixed size without pointers,
// whose encoding is T's memory in little-endian byte order. T may be
//
//   - int8, int16, int32, int64, uint8, uint16, uint32 or uint64;
//   - float32, float64, complex64 or complex128;
//   - bool;
//   - an array or a struct of those, nested to any depth;
//
// or a type defined on one of them. Fixed fails when T holds anything else:
// a pointer, string, slice, map, interface, channel or function, since the
// bytes of a pointer mean nothing in a file, or an int, uint or uintptr,
// whose size differs between platforms (use int64 or int32). The error
// names the field at fault.
//
// The encoding is the size of T, with every number little-endian at its
// offset in T's memory and every padding byte zero, so that equal values
// have equal encodings. On a little-endian platform Append is a copy of the
// value with its padding cleared and Decode a copy back; on a big-endian one
// each number's bytes are swapped as well. Floats keep their exact bits, NaN
// payloads and negative zero included. Decode fails, with an error matching
// ErrInvalid, unless its input is exactly the size of T, every bool byte is
// 0 or 1 and every padding byte is 0: only bytes that Append writes decode,
// and no decoded value holds a bool Go could not have made. Every other
// pattern of bytes is a valid number.
//
// The codec's Name records T's layout: "fixed:", the size of T, ":" and 16
// hex digits of a 64-bit FNV-1a hash of a description of the offset and
// kind of every number and bool in T (the package doc gives it); Fixed[int64]
// is named "fixed:8:18f21b3df09ea98d". A map made with one layout refuses to
// open with another (diskmap.ErrCodecMismatch). The name says nothing of
// the names of T or of its fields: they may be renamed freely, and two
// types of the same layout read each other's values.
//
// Layout depends on the platform where alignment does: on 386 and 32-bit
// arm an int64, uint64, float64 or complex after a 4-byte field is aligned to
// 4, not 8, so that such a struct has another size and name there: a map of
// it made on a 64-bit platform fails to open on those with
// ErrCodecMismatch, and the other way round. Ordering the fields from the
// largest down, or padding by hand, keeps one layout on every platform.
//
// The codec is goroutine-safe. It implements Viewer, which diskmap.ViewAs
// uses to read a value in place, and allocates nothing to append into a
// slice with room to spare, to decode or to view.
func Fixed[T any]() (Codec[T], error) {
	l, err := layoutOf(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	return &fixed[T]{l}, nil
}

// Viewer is implemented by codecs whose encoding of a value is the value's
// own memory, as for Fixed. diskmap.ViewAs uses it to hand out a value in
// place.
type Viewer[T any] interface {
	// View checks b as Decode does and returns it as a *T. The result
	// aliases b where the platform allows, and is a copy otherwise. The
	// caller must not write through it.
	View(b []byte) (*T, error)
}

// fixed is the codec Fixed returns.
type fixed[T any] struct{ l *fixedLayout }

// littleEndian is true on platforms that store numbers least significant
// byte first, where Fixed's encoding is a value's memory as it is.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Name returns "fixed:", the size of T, ":" and a hash of its layout.
func (c *fixed[T]) Name() string { return c.l.name }

// Append appends the encoding of v to dst. It never fails.
func (c *fixed[T]) Append(dst []byte, v T) ([]byte, error) {
	start := len(dst)
	dst = append(dst, unsafebytes.Of(&v)...)
	c.l.fromMemory(dst[start:])
	return dst, nil
}

// Decode returns the value encoded in b. It fails unless b is exactly the
// size of T, with bools of 0 or 1 and padding of zeros.
func (c *fixed[T]) Decode(b []byte) (T, error) {
	var v T
	if err := c.l.check(b); err != nil {
		return v, err
	}
	mem := unsafebytes.Of(&v)
	copy(mem, b)
	if !littleEndian {
		c.l.swap(mem)
	}
	return v, nil
}

// View checks b as Decode does and returns it as a *T in place. On a
// big-endian platform, where b is not T's memory, it returns a decoded copy.
// It fails, without matching ErrInvalid, if b is not aligned for T, which
// never happens to the values of a map: they start at multiples of 8.
func (c *fixed[T]) View(b []byte) (*T, error) {
	if !littleEndian {
		v, err := c.Decode(b)
		if err != nil {
			return nil, err
		}
		return &v, nil
	}
	if err := c.l.check(b); err != nil {
		return nil, err
	}
	p, ok := unsafebytes.As[T](b)
	if !ok {
		return nil, &codecError{codec: c.l.name, msg: "value bytes are not aligned for " + reflect.TypeFor[T]().String()}
	}
	return p, nil
}
