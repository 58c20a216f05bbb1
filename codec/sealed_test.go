package codec_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/codec"
)

// newGCM returns AES-GCM with a key of n bytes, all b.
func newGCM(t testing.TB, n int, b byte) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(bytes.Repeat([]byte{b}, n))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// newRandomNonceGCM returns AES-GCM that draws its own nonces, and so
// has a nonce size of 0.
func newRandomNonceGCM(t testing.TB) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// TestSealedRoundTrip: every value decodes to itself under the key it was
// sealed for, with AEADs of each nonce size and inner codecs of each kind,
// and each encoding of one value differs.
func TestSealedRoundTrip(t *testing.T) {
	aeads := map[string]cipher.AEAD{
		"AES-128-GCM":  newGCM(t, 16, 1),
		"AES-256-GCM":  newGCM(t, 32, 2),
		"random nonce": newRandomNonceGCM(t),
	}
	values := []string{"", "x", "hello, world", strings.Repeat("long value ", 500)}
	for name, aead := range aeads {
		codecs := map[string]codec.Codec[string]{
			"string":  codec.Sealed[string](codec.String{}, aead),
			"msgpack": codec.Sealed[string](codec.Msgpack[string]{}, aead),
			"twice":   codec.Sealed(codec.Sealed[string](codec.String{}, aead), aead),
		}
		for cn, c := range codecs {
			kb := c.(codec.KeyBound[string])
			for _, v := range values {
				key := []byte("key:" + v[:min(len(v), 5)])
				a, err := kb.AppendFor([]byte("dst"), key, v)
				if err != nil || !bytes.HasPrefix(a, []byte("dst")) {
					t.Fatalf("%s/%s: AppendFor: %v", name, cn, err)
				}
				b, err := kb.AppendFor(nil, key, v)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Equal(a[3:], b) {
					t.Errorf("%s/%s: two encodings of %q are equal: no fresh nonce", name, cn, v)
				}
				if got, err := kb.DecodeFor(key, a[3:]); err != nil || got != v {
					t.Errorf("%s/%s: DecodeFor: %.20q, %v; want %.20q", name, cn, got, err, v)
				}
				if eq, err := kb.EqualFor(key, b, v); err != nil || !eq {
					t.Errorf("%s/%s: EqualFor of its own value: %v, %v", name, cn, eq, err)
				}
				if eq, err := kb.EqualFor(key, b, v+"!"); err != nil || eq {
					t.Errorf("%s/%s: EqualFor of another value: %v, %v", name, cn, eq, err)
				}
			}
		}
	}
}

// TestSealedRefusesWhatDoesNotOpen: a value read under another key, with
// another AEAD key, changed, or cut short is an error matching ErrInvalid,
// never a value.
func TestSealedRefusesWhatDoesNotOpen(t *testing.T) {
	c := codec.Sealed[string](codec.String{}, newGCM(t, 16, 1)).(codec.KeyBound[string])
	other := codec.Sealed[string](codec.String{}, newGCM(t, 16, 2)).(codec.KeyBound[string])
	key := []byte("alice")
	enc, err := c.AppendFor(nil, key, "secret balance 42")
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), enc...)
	flipped[len(flipped)/2] ^= 1
	cases := []struct {
		name string
		c    codec.KeyBound[string]
		key  []byte
		b    []byte
	}{
		{"another key", c, []byte("bob"), enc},
		{"no key", c, nil, enc},
		{"another AEAD key", other, key, enc},
		{"a flipped bit", c, key, flipped},
		{"cut short", c, key, enc[:len(enc)-1]},
		{"shorter than a nonce", c, key, enc[:5]},
		{"empty", c, key, nil},
	}
	for _, tc := range cases {
		v, err := tc.c.DecodeFor(tc.key, tc.b)
		if !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("%s: DecodeFor = %q, %v; want ErrInvalid", tc.name, v, err)
		}
		if _, err := tc.c.EqualFor(tc.key, tc.b, "secret balance 42"); !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("%s: EqualFor: %v; want ErrInvalid", tc.name, err)
		}
	}
	nilAEAD := codec.Sealed[string](codec.String{}, nil)
	if _, err := nilAEAD.Append(nil, "x"); err == nil {
		t.Error("Append with no AEAD succeeded")
	}
}

// TestSealedNames: "sealed(" + inner + ")", hashed where it would not
// fit a header.
func TestSealedNames(t *testing.T) {
	aead := newGCM(t, 16, 1)
	if got := codec.Sealed[string](codec.String{}, aead).Name(); got != "sealed(string)" {
		t.Errorf("name %q, want sealed(string)", got)
	}
	long := codec.Sealed[map[string][]int](codec.Msgpack[map[string][]int]{}, aead).Name()
	if !strings.HasPrefix(long, "sealed(#") || len(long) != len("sealed(#01234567)") {
		t.Errorf("name %q, want sealed(#) and 8 hex digits", long)
	}
}
