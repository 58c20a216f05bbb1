package encode_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/encode"
)

// TestEncodePaths: a Borrower's encoding is borrowed, a Packer's lands in
// the scratch array, and any other codec appends to the buffer, which then
// keeps its grown backing array.
func TestEncodePaths(t *testing.T) {
	var scratch [8]byte
	var buf []byte

	s := encode.New[string](codec.String{})
	b, err := s.Encode("héllo", &scratch, &buf)
	if err != nil || string(b) != "héllo" || buf != nil {
		t.Errorf("String: %q, %v, buffer %q; want the string's bytes and no buffer", b, err, buf)
	}

	n := encode.New[uint16](codec.Native[uint16]{})
	b, err = n.Encode(0x1234, &scratch, &buf)
	if err != nil || !bytes.Equal(b, []byte{0x34, 0x12}) || &b[0] != &scratch[0] || buf != nil {
		t.Errorf("Native: % x, %v; want 34 12 in the scratch array and no buffer", b, err)
	}

	m := encode.New[[]int](codec.Msgpack[[]int]{})
	b, err = m.Encode([]int{1, 2}, &scratch, &buf)
	if err != nil || !bytes.Equal(b, []byte{0x92, 0x01, 0x02}) || len(buf) != 3 || &b[0] != &buf[0] {
		t.Errorf("Msgpack: % x, %v, buffer % x; want 92 01 02 in the buffer", b, err, buf)
	}
	if m.Codec().Name() != "msgpack:[]int#2bdebcbe" {
		t.Errorf("Codec().Name() = %q", m.Codec().Name())
	}
}

// failing is a codec, neither Borrower nor Packer, whose Append fails.
type failing struct{}

var errFail = errors.New("no encoding")

func (failing) Name() string                             { return "failing" }
func (failing) Append(dst []byte, _ int) ([]byte, error) { return dst, errFail }
func (failing) Decode([]byte) (int, error)               { return 0, errFail }

// TestEncodeErrorKeepsBuffer: a failed Append leaves the buffer as it was.
func TestEncodeErrorKeepsBuffer(t *testing.T) {
	var scratch [8]byte
	buf := []byte("old")
	e := encode.New[int](failing{})
	if _, err := e.Encode(1, &scratch, &buf); !errors.Is(err, errFail) {
		t.Fatalf("Encode: %v, want the codec's error", err)
	}
	if string(buf) != "old" {
		t.Errorf("buffer %q after a failed Append, want it unchanged", buf)
	}
}

// TestEncodeAllocs: borrowing and packing allocate nothing.
func TestEncodeAllocs(t *testing.T) {
	var scratch [8]byte
	var buf []byte
	s := encode.New[string](codec.String{})
	n := encode.New[uint64](codec.Native[uint64]{})
	key := "a key of some length"
	if got := testing.AllocsPerRun(100, func() {
		_, _ = s.Encode(key, &scratch, &buf) // String and Native never fail to encode
		_, _ = n.Encode(42, &scratch, &buf)
	}); got != 0 {
		t.Errorf("%v allocations per Encode of a string and a uint64, want 0", got)
	}
}
