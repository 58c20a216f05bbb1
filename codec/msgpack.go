package codec

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Msgpack encodes any value as MessagePack, with
// github.com/vmihailenco/msgpack/v5 in its default settings, and then puts
// the entries of every map in increasing order of their encoded bytes, so
// that equal values always have equal encodings. The package doc gives the
// details.
//
// Struct fields are encoded by name, so fields may be added to or removed
// from a type later; values written before decode with the missing fields
// zero. A type with its own msgpack encoder must write well-formed
// MessagePack, which Append checks, and must decode the maps it writes in
// any order.
//
// Decode checks the structure of its input before msgpack sees it, so that
// a corrupt array or map count cannot make it allocate more than in
// proportion to the input.
//
// Msgpack[T] is named after T, so that a map of one type refuses to open as
// a map of another (diskmap.ErrCodecMismatch) instead of decoding every
// value to zero fields. The name is "msgpack:", T's name without import
// paths cut to 15 bytes, "#" and the 32-bit FNV-1a hash of T's full name in
// 8 hex digits: Msgpack[time.Time] is "msgpack:Time#178db0b7". The full name
// of a named type is its import path, a dot and its name, such as
// "example.com/app/model.User"; that of another type is its Go syntax with
// the full names of the types in it, such as "[]example.com/app/model.User"
// or "map[string]int". Two types of one name in one package, declared in
// different functions, share a name. MsgpackNamed makes a codec named for
// another type, to read a map after its type was renamed or moved.
//
// Maps made before Msgpack's names held the type say "msgpack" in their
// header, and open with Msgpack[T] for any T (see Compatible): for them, a
// map of one type opened as another still decodes to zero fields. Writing
// to such a map keeps the name "msgpack" in its header; copying its entries
// into a new map gives them the new name.
//
// The zero value is ready to use and goroutine-safe. Encoders and decoders
// are pooled, so Append allocates little beyond what msgpack itself needs.
type Msgpack[T any] struct {
	name string // the name from MsgpackNamed; "" for T's own
}

// Name returns the name of the codec: for Msgpack[T]{} one made from T's
// full name, for MsgpackNamed the one it was given.
func (c Msgpack[T]) Name() string {
	if c.name != "" {
		return c.name
	}
	return msgpackName(fullName(reflect.TypeFor[T]()))
}

// Append appends the MessagePack encoding of v to dst. It fails only for
// values msgpack cannot encode, such as channels and functions.
func (Msgpack[T]) Append(dst []byte, v T) ([]byte, error) {
	e := encoders.Get().(*encoder)
	out, err := e.append(dst, v)
	e.release()
	if err != nil {
		return dst, msgpackError(err, false)
	}
	return out, nil
}

// Decode returns the value encoded in b. It fails if b is not one complete
// MessagePack value that fits T, and never panics, whatever b holds.
func (Msgpack[T]) Decode(b []byte) (T, error) {
	var v T
	d := decoders.Get().(*decoder)
	err := d.decode(b, &v)
	d.release()
	if err != nil {
		var zero T
		return zero, msgpackError(err, true)
	}
	return v, nil
}

// maxPooled is the largest buffer kept in a pooled encoder, so that one huge
// value does not pin its memory for good.
const maxPooled = 64 << 10

// encoders holds *encoder values ready for reuse.
var encoders = sync.Pool{New: func() any { return newEncoder() }}

// encoder is a msgpack.Encoder that appends to a caller's slice, with room
// to put the maps of its output in order. One Append uses it at a time.
type encoder struct {
	enc *msgpack.Encoder
	out sliceWriter // the slice being appended to, during append
	orderer
}

func newEncoder() *encoder {
	e := &encoder{}
	e.enc = msgpack.NewEncoder(&e.out)
	return e
}

// append appends the encoding of v to dst, maps in order.
func (e *encoder) append(dst []byte, v any) ([]byte, error) {
	start := len(dst)
	e.out.b = dst
	err := e.enc.Encode(v)
	out := e.out.b
	e.out.b = nil
	if err != nil {
		return nil, err
	}
	return e.sortMaps(out, start)
}

// release returns e to the pool, unless its buffers grew past maxPooled.
func (e *encoder) release() {
	if cap(e.src) > maxPooled || cap(e.tmp) > maxPooled {
		return
	}
	encoders.Put(e)
}

// sliceWriter is an io.Writer and io.ByteWriter that appends to b.
type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *sliceWriter) WriteByte(c byte) error {
	w.b = append(w.b, c)
	return nil
}

// decoders holds *decoder values ready for reuse.
var decoders = sync.Pool{New: func() any { return newDecoder() }}

// decoder is a msgpack.Decoder reading from a slice. Reading through a
// bytes.Reader makes msgpack copy what it decodes, so no result aliases the
// slice. One Decode uses it at a time.
type decoder struct {
	dec    *msgpack.Decoder
	r      bytes.Reader
	broken bool // msgpack panicked while decoding: d is not reused
}

func newDecoder() *decoder {
	d := &decoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}

// decode decodes b into v, which must be a pointer. A panic inside msgpack
// becomes an error, and marks d broken.
func (d *decoder) decode(b []byte, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			d.broken = true
			err = fmt.Errorf("malformed input: %v", p)
		}
	}()
	if _, err := checkValue(b); err != nil {
		return err
	}
	d.r.Reset(b)
	d.dec.Reset(&d.r)
	if err := d.dec.Decode(v); err != nil {
		return err
	}
	if n := d.r.Len(); n > 0 {
		return fmt.Errorf("%d bytes after the value", n) // checkValue makes this a bug in msgpack
	}
	return nil
}

// release drops d's reference to the decoded slice and returns d to the pool,
// unless it is broken.
func (d *decoder) release() {
	if d.broken {
		return
	}
	d.r.Reset(nil)
	d.dec.Reset(&d.r)
	decoders.Put(d)
}

// msgpackError turns an error from msgpack into one of this package, wrapping
// it. invalid marks an error in Decode, which matches ErrInvalid.
func msgpackError(err error, invalid bool) error {
	return &codecError{
		codec:   "msgpack",
		msg:     strings.TrimPrefix(err.Error(), "msgpack: "),
		err:     err,
		invalid: invalid,
	}
}
