package fuzz

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/codec/zstd"
)

// decodeLimit is how long one input may take to decode.
const decodeLimit = 10 * time.Second

// zstdCodecs returns the codecs FuzzZstdDecode decodes with: without a
// dictionary, and with one of raw content.
func zstdCodecs() []codec.Codec[[]byte] {
	dict := []byte(strings.Repeat("the quick brown fox jumps over the lazy dog; ", 40))
	return []codec.Codec[[]byte]{
		zstd.New(codec.Bytes{}, zstd.WithThreshold(0)),
		zstd.New(codec.Bytes{}, zstd.WithThreshold(0), zstd.WithDictionary(dict)),
	}
}

// FuzzZstdDecode decodes the input with zstd codecs. Decode must return
// a value or an error matching codec.ErrInvalid, never panic or hang, and
// a value it returns must encode and decode back to itself.
func FuzzZstdDecode(f *testing.F) {
	codecs := zstdCodecs()
	for _, c := range codecs {
		for _, v := range []string{"", "short", strings.Repeat("fox and dog ", 30)} {
			enc, err := c.Append(nil, []byte(v))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(enc)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		guard(t, decodeLimit, func() {
			for _, c := range codecs {
				checkDecode(c, data)
			}
		})
	})
}

// checkDecode decodes data with c and fails the input unless the result
// is ErrInvalid or a value that goes through c unchanged.
func checkDecode(c codec.Codec[[]byte], data []byte) {
	v, err := c.Decode(data)
	if err != nil {
		if !errors.Is(err, codec.ErrInvalid) {
			failf("%s: Decode: %v, want ErrInvalid", c.Name(), err)
		}
		return
	}
	enc, err := c.Append(nil, v)
	if err != nil {
		failf("%s: Append of a decoded value: %v", c.Name(), err)
	}
	again, err := c.Decode(enc)
	if err != nil || !bytes.Equal(again, v) {
		failf("%s: a decoded value of %d bytes does not go through again: %v", c.Name(), len(v), err)
	}
}

// sealedCodec returns the codec FuzzSealedDecode decodes with.
func sealedCodec(t testing.TB) codec.KeyBound[[]byte] {
	block, err := aes.NewCipher(bytes.Repeat([]byte{1}, 16))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return codec.Sealed[[]byte](codec.Bytes{}, aead).(codec.KeyBound[[]byte])
}

// FuzzSealedDecode opens the input's bytes as a sealed value under the
// key "k". DecodeFor must return an error matching codec.ErrInvalid, never
// panic, hang or a value: random bytes do not authenticate. Seeds that
// were sealed under "k" must decode.
func FuzzSealedDecode(f *testing.F) {
	c := sealedCodec(f)
	for _, v := range []string{"", "v", strings.Repeat("value ", 20)} {
		enc, err := c.AppendFor(nil, []byte("k"), []byte(v))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		guard(t, decodeLimit, func() {
			v, err := c.DecodeFor([]byte("k"), data)
			if err != nil && !errors.Is(err, codec.ErrInvalid) {
				failf("DecodeFor: %v, want ErrInvalid", err)
			}
			if err == nil {
				again, err := c.AppendFor(nil, []byte("k"), v)
				if err != nil {
					failf("AppendFor of a decoded value: %v", err)
				}
				if w, err := c.DecodeFor([]byte("k"), again); err != nil || !bytes.Equal(w, v) {
					failf("a decoded value does not go through again: %v", err)
				}
			}
		})
	})
}
