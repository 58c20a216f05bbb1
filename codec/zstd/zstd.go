// Package zstd compresses the values of a map with Zstandard, around any
// other codec:
//
//	vc := zstd.New(codec.For[Doc](), zstd.WithLevel(3))
//	m, err := diskmap.OpenWith[string, Doc](dir, codec.String{}, vc, nil)
//
// It is the only package of this module that imports
// github.com/klauspost/compress: a program that does not import it does
// not build the compressor.
//
// # Encoding
//
// A value is the inner codec's encoding, e, stored in one of three ways,
// told apart by the first byte:
//
//	(nothing)            e is empty: the value is empty too
//	00 e                 e as it is, for e shorter than the threshold
//	                     (WithThreshold, 64 bytes by default) or that
//	                     does not compress to fewer bytes
//	01 frame             a Zstandard frame (RFC 8878) of e, without its
//	                     4-byte magic number 28 b5 2f fd, that records
//	                     e's length and no checksum (the map checksums
//	                     every record), compressed with the dictionary
//	                     if the codec has one
//
// So a value never grows by more than one byte. Decode refuses any other
// first byte, a frame that does not record its content's length or that
// records more than its blocks can hold, or more than 1 GiB
// (layout.MaxValueLen), and a frame whose content is not that length, each
// with an error matching codec.ErrInvalid.
//
// # Names
//
// A codec from New is named "zstd(" + the inner codec's name + ")", or,
// with a dictionary, "zstd(" + inner + ",dict=" + id + ")", where id is
// the 32-bit FNV-1a hash of the dictionary's bytes in 8 hex digits: a map
// written with one dictionary opens with no other, and without its
// dictionary, only with ErrCodecMismatch. Where that name would pass the
// 32 bytes a header holds (layout.MaxCodecName), the inner name is
// replaced by "#" and the 8 hex digits of its own FNV-1a hash:
// zstd(msgpack:Doc#0123456789abcdef) is named "zstd(#1f2e3d4c)". The level
// and the threshold are not in the name: they change how values are
// written, not how they are read.
//
// # Concurrency
//
// A codec from New is safe for concurrent use. It holds one Zstandard
// encoder and one decoder, each of which keeps a pool of GOMAXPROCS
// workers, and the buffers of each call come from a sync.Pool: several
// goroutines encode and decode at once, and none shares scratch space
// with another.
package zstd

import (
	"fmt"
	"hash/fnv"
	"runtime"
	"sync"

	kzstd "github.com/klauspost/compress/zstd"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/layout"
)

// The first byte of a non-empty encoding. Part of the file format: these
// must never change.
const (
	markerRaw   = 0x00 // the inner encoding follows as it is
	markerFrame = 0x01 // a Zstandard frame without its magic number follows
)

// frameMagic is the magic number that starts every Zstandard frame,
// little-endian; an encoding leaves it out.
var frameMagic = [4]byte{0x28, 0xb5, 0x2f, 0xfd}

// maxRatio bounds how much content a frame of n bytes may claim before it
// is decoded: a block holds at most 128 KiB and takes at least 3 bytes, so
// no valid frame expands more than 43,691 times.
const maxRatio = 1 << 16

// DefaultThreshold is the length of inner encoding below which a value is
// stored as it is, without trying to compress it.
const DefaultThreshold = 64

// Option sets how a codec from New compresses.
type Option func(*options)

type options struct {
	level     int
	threshold int
	dict      []byte
}

// WithLevel sets the compression level, on zstd's scale of 1 (fastest) to
// 22 (smallest); the encoder maps it onto the four levels it has
// (fastest, default, better, best). The default is 3.
func WithLevel(level int) Option { return func(o *options) { o.level = level } }

// WithThreshold sets the length of inner encoding below which values are
// stored as they are, with a one-byte marker and no attempt to compress;
// DefaultThreshold (64) unless set. 0 tries to compress every value.
func WithThreshold(n int) Option { return func(o *options) { o.threshold = max(n, 0) } }

// WithDictionary makes the codec compress and decompress with dict, shared
// by every value: small values that look alike compress far better with
// one. dict is a dictionary in Zstandard's format, with a nonzero ID, as
// zstd --train and github.com/klauspost/compress/zstd.BuildDict make it;
// any other bytes are used as raw content, a history that values refer
// back to. The codec keeps dict; do not change it afterwards. A map opens
// only with the dictionary it was written with (see Names).
func WithDictionary(dict []byte) Option { return func(o *options) { o.dict = dict } }

// New returns a codec that stores inner's encoding of each value
// compressed with Zstandard, as the package documentation describes.
// inner must not be key-bound ([codec.KeyBound]), whose encodings the
// codec would make without their key: compress first, then seal, as
// codec.Sealed(zstd.New(inner), aead) does.
func New[T any](inner codec.Codec[T], opts ...Option) codec.Codec[T] {
	o := options{level: 3, threshold: DefaultThreshold}
	for _, opt := range opts {
		opt(&o)
	}
	c := &compressed[T]{inner: inner, threshold: o.threshold}
	c.borrow, _ = inner.(codec.Borrower[T])
	c.name = Name(inner.Name(), o.dict)
	c.enc, c.dec, c.err = newCoders(o)
	return c
}

// Name returns the name of a codec from New with an inner codec named
// inner and the dictionary dict (nil for none).
func Name(inner string, dict []byte) string {
	suffix := ")"
	if dict != nil {
		suffix = ",dict=" + hash32(dict) + ")"
	}
	name := "zstd(" + inner + suffix
	if len(name) > layout.MaxCodecName {
		name = "zstd(#" + hash32([]byte(inner)) + suffix
	}
	return name
}

// hash32 returns the 32-bit FNV-1a hash of b in 8 hex digits.
func hash32(b []byte) string {
	h := fnv.New32a()
	_, _ = h.Write(b) // a hash.Hash never fails to write
	return fmt.Sprintf("%08x", h.Sum32())
}

// dictID returns the ID a raw-content dictionary is registered under: its
// hash, never 0, which means no dictionary in a frame.
func dictID(dict []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(dict)
	return max(h.Sum32(), 1)
}

// newCoders returns the encoder and the decoder of a codec with options o.
func newCoders(o options) (*kzstd.Encoder, *kzstd.Decoder, error) {
	n := runtime.GOMAXPROCS(0)
	eopts := []kzstd.EOption{
		kzstd.WithEncoderLevel(kzstd.EncoderLevelFromZstd(o.level)),
		kzstd.WithEncoderConcurrency(n),
		kzstd.WithEncoderCRC(false),
		kzstd.WithLowerEncoderMem(true),
		kzstd.WithSingleSegment(true), // records the content's length, and no window
	}
	dopts := []kzstd.DOption{
		kzstd.WithDecoderConcurrency(n),
		kzstd.WithDecoderMaxMemory(layout.MaxValueLen),
		kzstd.WithDecoderMaxWindow(layout.MaxValueLen),
		kzstd.WithDecodeAllCapLimit(true),
	}
	if o.dict != nil {
		if d, err := kzstd.InspectDictionary(o.dict); err == nil && d.ID() != 0 {
			eopts = append(eopts, kzstd.WithEncoderDict(o.dict))
			dopts = append(dopts, kzstd.WithDecoderDicts(o.dict))
		} else {
			id := dictID(o.dict)
			eopts = append(eopts, kzstd.WithEncoderDictRaw(id, o.dict))
			dopts = append(dopts, kzstd.WithDecoderDictRaw(id, o.dict))
		}
	}
	enc, err := kzstd.NewWriter(nil, eopts...)
	if err != nil {
		return nil, nil, fmt.Errorf("making the encoder: %w", err)
	}
	dec, err := kzstd.NewReader(nil, dopts...)
	if err != nil {
		return nil, nil, fmt.Errorf("making the decoder: %w", err)
	}
	return enc, dec, nil
}

// compressed is the codec New returns.
type compressed[T any] struct {
	inner     codec.Codec[T]
	borrow    codec.Borrower[T] // inner's, if it borrows
	name      string
	threshold int
	enc       *kzstd.Encoder // safe for concurrent EncodeAll
	dec       *kzstd.Decoder // safe for concurrent DecodeAll
	err       error          // from making enc and dec; every call returns it
}

// Name returns the codec's name (see the package documentation).
func (c *compressed[T]) Name() string { return c.name }

// Append appends the encoding of v: inner's encoding, marked raw or
// compressed.
func (c *compressed[T]) Append(dst []byte, v T) ([]byte, error) {
	if c.err != nil {
		return dst, fmt.Errorf("codec: %s: %w", c.name, c.err)
	}
	e, buf, err := c.innerEncoding(v)
	defer putBuf(buf)
	switch {
	case err != nil:
		return dst, err
	case len(e) > layout.MaxValueLen:
		return dst, fmt.Errorf("codec: %s: inner encoding of %d bytes, more than %d", c.name, len(e), layout.MaxValueLen)
	case len(e) == 0:
		return dst, nil
	case len(e) >= c.threshold:
		if out, ok := c.appendFrame(dst, e); ok {
			return out, nil
		}
	}
	return append(append(dst, markerRaw), e...), nil
}

// innerEncoding returns inner's encoding of v, borrowed or appended to a
// pooled buffer, which the caller puts back (putBuf) once done with it.
func (c *compressed[T]) innerEncoding(v T) ([]byte, *[]byte, error) {
	if c.borrow != nil {
		return c.borrow.Borrow(v), nil, nil
	}
	buf := getBuf()
	e, err := c.inner.Append((*buf)[:0], v)
	if err == nil {
		*buf = e
	}
	return e, buf, err
}

// appendFrame appends markerFrame and the frame of e without its magic,
// and reports whether that is shorter than storing e raw; if not, it
// returns dst as it was.
func (c *compressed[T]) appendFrame(dst, e []byte) ([]byte, bool) {
	start := len(dst)
	out := c.enc.EncodeAll(e, append(dst, markerFrame))
	body := out[start+1:]
	copy(body, body[len(frameMagic):])
	out = out[:len(out)-len(frameMagic)]
	if len(out)-start >= 1+len(e) {
		return dst[:start], false
	}
	return out, true
}

// Decode returns the value encoded in b.
func (c *compressed[T]) Decode(b []byte) (T, error) {
	var zero T
	if c.err != nil {
		return zero, fmt.Errorf("codec: %s: %w", c.name, c.err)
	}
	if len(b) == 0 {
		return c.inner.Decode(b)
	}
	switch b[0] {
	case markerRaw:
		return c.inner.Decode(b[1:])
	case markerFrame:
		return c.decodeFrame(b[1:])
	}
	return zero, c.invalid(fmt.Sprintf("marker byte %#02x, want 00 or 01", b[0]), nil)
}

// decodeFrame decodes body, a frame without its magic, and then its
// content with the inner codec.
func (c *compressed[T]) decodeFrame(body []byte) (T, error) {
	var zero T
	frame := getBuf()
	defer putBuf(frame)
	*frame = append(append((*frame)[:0], frameMagic[:]...), body...)
	n, err := c.contentLen(*frame)
	if err != nil {
		return zero, err
	}
	out := getBuf()
	defer putBuf(out)
	if cap(*out) < n {
		*out = make([]byte, 0, n)
	}
	e, err := c.dec.DecodeAll(*frame, (*out)[:0:n])
	if err != nil {
		return zero, c.invalid("decompressing", err)
	}
	if len(e) != n {
		return zero, c.invalid(fmt.Sprintf("%d bytes of content, the frame records %d", len(e), n), nil)
	}
	*out = e
	return c.inner.Decode(e)
}

// contentLen returns the content length that frame records, if it is one
// the codec could have written.
func (c *compressed[T]) contentLen(frame []byte) (int, error) {
	var h kzstd.Header
	if err := h.Decode(frame); err != nil {
		return 0, c.invalid("frame header", err)
	}
	switch {
	case h.Skippable:
		return 0, c.invalid("a skippable frame", nil)
	case !h.HasFCS:
		return 0, c.invalid("the frame does not record its content's length", nil)
	case h.FrameContentSize > layout.MaxValueLen:
		return 0, c.invalid(fmt.Sprintf("a frame of %d bytes of content, more than %d", h.FrameContentSize, layout.MaxValueLen), nil)
	case h.FrameContentSize/maxRatio > uint64(len(frame)):
		return 0, c.invalid(fmt.Sprintf("a frame of %d bytes claims %d bytes of content", len(frame), h.FrameContentSize), nil)
	}
	return int(h.FrameContentSize), nil
}

// invalid returns an error about bytes given to Decode, matching
// codec.ErrInvalid.
func (c *compressed[T]) invalid(msg string, err error) error {
	return &invalidError{codec: c.name, msg: msg, err: err}
}

// invalidError is Decode's error for bytes that are not an encoding. It
// reads "codec: <name>: <msg>[: <err>]" and matches codec.ErrInvalid.
type invalidError struct {
	codec string
	msg   string
	err   error // from the decompressor, if any
}

func (e *invalidError) Error() string {
	s := "codec: " + e.codec + ": " + e.msg
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

// Is reports whether target is codec.ErrInvalid.
func (e *invalidError) Is(target error) bool { return target == codec.ErrInvalid }

// Unwrap returns the decompressor's error, if any.
func (e *invalidError) Unwrap() error { return e.err }

// bufs holds the scratch buffers of Append and Decode, each used by one
// call at a time.
var bufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled is the largest buffer put back in the pool: a rare large value
// should not keep its buffer alive.
const maxPooled = 1 << 20

func getBuf() *[]byte { return bufs.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if b != nil && cap(*b) <= maxPooled {
		bufs.Put(b)
	}
}

// Compile-time check that the codec is one.
var _ codec.Codec[[]byte] = (*compressed[[]byte])(nil)
