package codec

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"sync"
)

// KeyBound is implemented by codecs whose encoding of a value depends on
// the key it is stored under, as Sealed's does. A map checks for it once,
// when it opens, and then encodes and decodes every value of the map with
// the encoded key beside it; a map of any other codec calls Append and
// Decode as before, at no cost.
type KeyBound[T any] interface {
	// AppendFor appends the encoding of v stored under the encoded key key
	// to dst and returns the extended slice. On error it returns dst as it
	// was.
	AppendFor(dst, key []byte, v T) ([]byte, error)

	// DecodeFor returns the value encoded in b, stored under the encoded
	// key key. As for Decode, the result never aliases b.
	DecodeFor(key, b []byte) (T, error)

	// EqualFor reports whether b, an encoding stored under key, holds v: a
	// map's CompareAndSwap and CompareAndDelete use it where encodings of
	// one value differ from call to call.
	EqualFor(key, b []byte, v T) (bool, error)
}

// Sealed returns a codec that encrypts and authenticates inner's encoding
// of each value with aead, binding it to the key it is stored under. A
// value is stored as
//
//	nonce           aead.NonceSize() bytes, fresh from crypto/rand for every write
//	sealed          aead.Seal of inner's encoding, with the encoded key as the
//	                additional data: the encoding's length plus aead.Overhead()
//
// so that a value moved to another key, changed, or read with another AEAD
// key does not open: a map reports it with an error matching
// diskmap.ErrCorrupt that names the file and the key, never a value. The
// codec is a KeyBound; its Append and Decode, for use outside a map, bind
// values to the empty key.
//
// The name is "sealed(" + inner's name + ")", or "sealed(#" + the 8 hex
// digits of the 32-bit FNV-1a hash of inner's name + ")" where that would
// pass 32 bytes. It cannot record the AEAD key: a map opened with another
// key opens, and fails with ErrCorrupt at the first read of a value.
//
// What stays in clear: keys, the length of every value (less the fixed
// overhead), expiries, and which keys were written when, as the order of
// the records shows. Someone who reads the files learns the key set, the
// value sizes and the update pattern; not the values.
//
// A nonce drawn at random repeats after about 2^32 writes with the 12-byte
// nonces of AES-GCM: seal fewer values than that under one AEAD key, or
// use an AEAD with 24-byte nonces (XChaCha20-Poly1305, from
// golang.org/x/crypto/chacha20poly1305.NewX). Compress before sealing, as
// Sealed(zstd.New(inner), aead) does: sealed bytes do not compress.
//
// Sealed is safe for concurrent use if aead is, as the AEADs of the
// standard library are. A nil aead gives a codec whose every call fails.
func Sealed[T any](inner Codec[T], aead cipher.AEAD) Codec[T] {
	s := &sealed[T]{inner: inner, aead: aead, name: wrapperName("sealed", inner.Name())}
	s.bound, _ = inner.(KeyBound[T])
	s.borrow, _ = inner.(Borrower[T])
	return s
}

// wrapperName returns wrapper + "(" + inner + ")", or, where that would
// pass 32 bytes, wrapper + "(#" + the 8 hex digits of the 32-bit FNV-1a
// hash of inner + ")".
func wrapperName(wrapper, inner string) string {
	name := wrapper + "(" + inner + ")"
	if len(name) <= maxName {
		return name
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(inner)) // a hash.Hash never fails to write
	return fmt.Sprintf("%s(#%08x)", wrapper, h.Sum32())
}

// maxName is the longest codec name a map's header holds
// (layout.MaxCodecName, which this package does not import).
const maxName = 32

// sealed is the codec Sealed returns.
type sealed[T any] struct {
	inner  Codec[T]
	bound  KeyBound[T] // inner's, if it is key-bound
	borrow Borrower[T] // inner's, if it borrows
	aead   cipher.AEAD
	name   string
}

var (
	_ Codec[string]    = (*sealed[string])(nil)
	_ KeyBound[string] = (*sealed[string])(nil)
)

// Name returns "sealed(" + inner's name + ")" (see Sealed).
func (s *sealed[T]) Name() string { return s.name }

// Append appends the encoding of v bound to the empty key.
func (s *sealed[T]) Append(dst []byte, v T) ([]byte, error) { return s.AppendFor(dst, nil, v) }

// Decode returns the value encoded in b, bound to the empty key.
func (s *sealed[T]) Decode(b []byte) (T, error) { return s.DecodeFor(nil, b) }

// AppendFor appends a fresh nonce and the sealed inner encoding of v, with
// key as the additional data.
func (s *sealed[T]) AppendFor(dst, key []byte, v T) ([]byte, error) {
	if s.aead == nil {
		return dst, fmt.Errorf("codec: %s: no AEAD", s.name)
	}
	plain, buf, err := s.innerEncoding(key, v)
	defer putScratch(buf)
	if err != nil {
		return dst, err
	}
	start, n := len(dst), s.aead.NonceSize()
	out := append(dst, make([]byte, n)...)
	nonce := out[start : start+n]
	if _, err := rand.Read(nonce); err != nil {
		return dst, fmt.Errorf("codec: %s: drawing a nonce: %w", s.name, err)
	}
	return s.aead.Seal(out, nonce, plain, key), nil
}

// innerEncoding returns inner's encoding of v under key, borrowed or in a
// pooled buffer that the caller puts back (putScratch).
func (s *sealed[T]) innerEncoding(key []byte, v T) ([]byte, *[]byte, error) {
	if s.borrow != nil {
		return s.borrow.Borrow(v), nil, nil
	}
	buf := getScratch()
	var e []byte
	var err error
	if s.bound != nil {
		e, err = s.bound.AppendFor((*buf)[:0], key, v)
	} else {
		e, err = s.inner.Append((*buf)[:0], v)
	}
	if err == nil {
		*buf = e
	}
	return e, buf, err
}

// DecodeFor opens b with key as the additional data and decodes the inner
// encoding it holds.
func (s *sealed[T]) DecodeFor(key, b []byte) (T, error) {
	var zero T
	buf := getScratch()
	defer putScratch(buf)
	plain, err := s.open(key, b, buf)
	if err != nil {
		return zero, err
	}
	if s.bound != nil {
		return s.bound.DecodeFor(key, plain)
	}
	return s.inner.Decode(plain)
}

// EqualFor reports whether b opens under key to inner's encoding of v.
func (s *sealed[T]) EqualFor(key, b []byte, v T) (bool, error) {
	buf := getScratch()
	defer putScratch(buf)
	plain, err := s.open(key, b, buf)
	if err != nil {
		return false, err
	}
	if s.bound != nil {
		return s.bound.EqualFor(key, plain, v)
	}
	e, ebuf, err := s.innerEncoding(key, v)
	defer putScratch(ebuf)
	return err == nil && bytes.Equal(plain, e), err
}

// open returns the inner encoding that b seals under key, in *buf.
func (s *sealed[T]) open(key, b []byte, buf *[]byte) ([]byte, error) {
	if s.aead == nil {
		return nil, fmt.Errorf("codec: %s: no AEAD", s.name)
	}
	n := s.aead.NonceSize()
	if len(b) < n+s.aead.Overhead() {
		return nil, invalidf(s.name, "%d bytes, fewer than a nonce and a tag (%d)", len(b), n+s.aead.Overhead())
	}
	plain, err := s.aead.Open((*buf)[:0], b[:n], b[n:], key)
	if err != nil {
		return nil, invalidf(s.name, "the value does not open under its key: another AEAD key, or bytes changed or moved from another key")
	}
	*buf = plain
	return plain, nil
}

// scratch holds the buffers of Sealed's calls, each used by one call at a
// time, so that goroutines never share one.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// maxScratch is the largest buffer put back in the pool.
const maxScratch = 1 << 20

func getScratch() *[]byte { return scratch.Get().(*[]byte) }

// putScratch clears b, which may hold a value in clear, and puts it back.
func putScratch(b *[]byte) {
	if b != nil && cap(*b) <= maxScratch {
		clear(*b)
		scratch.Put(b)
	}
}
