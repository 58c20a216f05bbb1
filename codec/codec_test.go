package codec_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/diskmap-go/diskmap/codec"
)

// unhex decodes a hex string with optional spaces, as encodings are written
// in the package doc.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// prefix is written before every encoding, to check that Append appends.
var prefix = []byte("prefix")

// checkEncoding checks that c encodes v as want, after what dst holds, and
// that want decodes to a value equal to v.
func checkEncoding[T any](t *testing.T, c codec.Codec[T], v T, want []byte, equal func(a, b T) bool) {
	t.Helper()
	dst := append([]byte(nil), prefix...)
	got, err := c.Append(dst, v)
	if err != nil {
		t.Fatalf("%s: Append(%v): %v", c.Name(), v, err)
	}
	if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%s: Append(%v) = % x, want % x after % x", c.Name(), v, got, want, prefix)
	}
	back, err := c.Decode(want)
	if err != nil {
		t.Fatalf("%s: Decode(% x): %v", c.Name(), want, err)
	}
	if !equal(back, v) {
		t.Fatalf("%s: Decode(% x) = %v, want %v", c.Name(), want, back, v)
	}
}

func equals[T comparable](a, b T) bool { return a == b }

// nativeCase is a number and its encoding, in hex.
type nativeCase[T codec.Number] struct {
	v   T
	hex string
}

// testNative checks the name of Native[T], then each case both ways and
// through Pack, then that lengths other than size fail to decode.
func testNative[T codec.Number](t *testing.T, name string, size int, equal func(a, b T) bool, cases []nativeCase[T]) {
	t.Helper()
	c := codec.Native[T]{}
	if got := c.Name(); got != name {
		t.Fatalf("Native[%T].Name() = %q, want %q", T(0), got, name)
	}
	for _, tc := range cases {
		want := unhex(t, tc.hex)
		if len(want) != size {
			t.Fatalf("test case %v: %d bytes, want %d", tc.v, len(want), size)
		}
		checkEncoding[T](t, c, tc.v, want, equal)
		var full [8]byte
		copy(full[:], want)
		if word, n := c.Pack(tc.v); n != size || word != leUint64(full[:]) {
			t.Fatalf("%s: Pack(%v) = %#x, %d, want %#x, %d", name, tc.v, word, n, leUint64(full[:]), size)
		}
	}
	for _, n := range []int{0, 1, 2, 3, 4, 7, 8, 9, 16} {
		if n == size {
			continue
		}
		_, err := c.Decode(make([]byte, n))
		wantErr := "codec: " + name + ": want " + strconv.Itoa(size) + " bytes, got " + strconv.Itoa(n)
		if err == nil || err.Error() != wantErr || !errors.Is(err, codec.ErrInvalid) {
			t.Fatalf("%s: Decode of %d bytes: error %v, want %q matching ErrInvalid", name, n, err, wantErr)
		}
	}
}

// leUint64 reads b as a little-endian uint64, byte by byte.
func leUint64(b []byte) uint64 {
	var w uint64
	for i := len(b) - 1; i >= 0; i-- {
		w = w<<8 | uint64(b[i])
	}
	return w
}

func sameFloat32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
func sameFloat64(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// Defined types, which Native encodes as their underlying type.
type (
	celsius float64
	level   int8
	count   uint
	weight  float32
	offset  int
)

func TestNative(t *testing.T) {
	t.Run("int8", func(t *testing.T) {
		testNative(t, "int8", 1, equals, []nativeCase[int8]{
			{0, "00"}, {1, "01"}, {-1, "ff"}, {math.MinInt8, "80"}, {math.MaxInt8, "7f"},
		})
	})
	t.Run("int16", func(t *testing.T) {
		testNative(t, "int16", 2, equals, []nativeCase[int16]{
			{0, "0000"}, {0x1234, "3412"}, {-1, "ffff"}, {-2, "feff"},
			{math.MinInt16, "0080"}, {math.MaxInt16, "ff7f"},
		})
	})
	t.Run("int32", func(t *testing.T) {
		testNative(t, "int32", 4, equals, []nativeCase[int32]{
			{0, "00000000"}, {0x12345678, "78563412"}, {-2, "feffffff"},
			{math.MinInt32, "00000080"}, {math.MaxInt32, "ffffff7f"},
		})
	})
	t.Run("int64", func(t *testing.T) {
		testNative(t, "int64", 8, equals, []nativeCase[int64]{
			{0, "0000000000000000"}, {0x0102030405060708, "0807060504030201"}, {-1, "ffffffffffffffff"},
			{math.MinInt64, "0000000000000080"}, {math.MaxInt64, "ffffffffffffff7f"},
		})
	})
	t.Run("int", func(t *testing.T) {
		testNative(t, "int64", 8, equals, []nativeCase[int]{
			{0, "0000000000000000"}, {-1, "ffffffffffffffff"}, {0x01020304, "0403020100000000"},
			{math.MinInt32, "00000080ffffffff"}, {math.MaxInt32, "ffffff7f00000000"},
			{math.MinInt, minIntHex}, {math.MaxInt, maxIntHex},
		})
	})
	t.Run("uint8", func(t *testing.T) {
		testNative(t, "uint8", 1, equals, []nativeCase[uint8]{
			{0, "00"}, {1, "01"}, {math.MaxUint8, "ff"},
		})
	})
	t.Run("uint16", func(t *testing.T) {
		testNative(t, "uint16", 2, equals, []nativeCase[uint16]{
			{0, "0000"}, {0x1234, "3412"}, {math.MaxUint16, "ffff"},
		})
	})
	t.Run("uint32", func(t *testing.T) {
		testNative(t, "uint32", 4, equals, []nativeCase[uint32]{
			{0, "00000000"}, {0x12345678, "78563412"}, {math.MaxUint32, "ffffffff"},
		})
	})
	t.Run("uint64", func(t *testing.T) {
		testNative(t, "uint64", 8, equals, []nativeCase[uint64]{
			{0, "0000000000000000"}, {0x0102030405060708, "0807060504030201"},
			{math.MaxUint64, "ffffffffffffffff"},
		})
	})
	t.Run("uint", func(t *testing.T) {
		testNative(t, "uint64", 8, equals, []nativeCase[uint]{
			{0, "0000000000000000"}, {0x01020304, "0403020100000000"},
			{math.MaxUint32, "ffffffff00000000"}, {math.MaxUint, maxUintHex},
		})
	})
	t.Run("float32", func(t *testing.T) {
		testNative(t, "float32", 4, sameFloat32, []nativeCase[float32]{
			{0, "00000000"},
			{float32(math.Copysign(0, -1)), "00000080"},
			{1, "0000803f"},
			{-2.5, "000020c0"},
			{math.MaxFloat32, "ffff7f7f"},
			{math.SmallestNonzeroFloat32, "01000000"},
			{float32(math.Inf(1)), "0000807f"},
			{float32(math.Inf(-1)), "000080ff"},
			{math.Float32frombits(0x7fc00000), "0000c07f"}, // quiet NaN
			{math.Float32frombits(0x7fc12345), "4523c17f"}, // quiet NaN with a payload
			{math.Float32frombits(0x7f800001), "0100807f"}, // signaling NaN
			{math.Float32frombits(0xffc00001), "0100c0ff"}, // negative NaN
		})
	})
	t.Run("float64", func(t *testing.T) {
		testNative(t, "float64", 8, sameFloat64, []nativeCase[float64]{
			{0, "0000000000000000"},
			{math.Copysign(0, -1), "0000000000000080"},
			{1, "000000000000f03f"},
			{-2.5, "00000000000004c0"},
			{math.MaxFloat64, "ffffffffffffef7f"},
			{math.SmallestNonzeroFloat64, "0100000000000000"},
			{math.Inf(1), "000000000000f07f"},
			{math.Inf(-1), "000000000000f0ff"},
			{math.NaN(), "010000000000f87f"},
			{math.Float64frombits(0x7ff8000000abcdef), "efcdab000000f87f"}, // quiet NaN with a payload
			{math.Float64frombits(0x7ff0000000000001), "010000000000f07f"}, // signaling NaN
			{math.Float64frombits(0xfff8000000000000), "000000000000f8ff"}, // negative NaN
		})
	})
}

// The hex of the extremes of int and uint, which depend on the platform.
var (
	minIntHex  = map[int]string{32: "00000080ffffffff", 64: "0000000000000080"}[strconv.IntSize]
	maxIntHex  = map[int]string{32: "ffffff7f00000000", 64: "ffffffffffffff7f"}[strconv.IntSize]
	maxUintHex = map[int]string{32: "ffffffff00000000", 64: "ffffffffffffffff"}[strconv.IntSize]
)

func TestNativeDefinedTypes(t *testing.T) {
	t.Run("celsius", func(t *testing.T) {
		testNative(t, "float64", 8, equals, []nativeCase[celsius]{
			{-40, "00000000000044c0"}, {36.6, "cdcccccccc4c4240"},
		})
	})
	t.Run("level", func(t *testing.T) {
		testNative(t, "int8", 1, equals, []nativeCase[level]{{-3, "fd"}, {math.MaxInt8, "7f"}})
	})
	t.Run("count", func(t *testing.T) {
		testNative(t, "uint64", 8, equals, []nativeCase[count]{{7, "0700000000000000"}})
	})
	t.Run("weight", func(t *testing.T) {
		testNative(t, "float32", 4, equals, []nativeCase[weight]{{1, "0000803f"}})
	})
	t.Run("offset", func(t *testing.T) {
		testNative(t, "int64", 8, equals, []nativeCase[offset]{{-2, "feffffffffffffff"}})
	})
}

// TestNativeIntRange decodes 8-byte ints and uints that fit in 64 bits but
// not in 32: they decode on 64-bit platforms and fail on 32-bit ones.
func TestNativeIntRange(t *testing.T) {
	decodeInt := func(b []byte) (int64, error) { v, err := codec.Native[int]{}.Decode(b); return int64(v), err }
	decodeUint := func(b []byte) (int64, error) { v, err := codec.Native[uint]{}.Decode(b); return int64(v), err }
	decodeOffset := func(b []byte) (int64, error) { v, err := codec.Native[offset]{}.Decode(b); return int64(v), err }
	for _, tc := range []struct {
		decode func([]byte) (int64, error)
		hex    string
		want   int64 // on 64-bit platforms
		err    string
	}{
		{decodeInt, "0000000001000000", 1 << 32, "codec: int64: 4294967296 overflows int"},
		{decodeInt, "ffffffffffffff7f", math.MaxInt64, "codec: int64: 9223372036854775807 overflows int"},
		{decodeInt, "fffffffffeffffff", -1<<32 - 1, "codec: int64: -4294967297 overflows int"},
		{decodeInt, "ffffff7fffffffff", -1<<31 - 1, "codec: int64: -2147483649 overflows int"},
		{decodeUint, "0000000001000000", 1 << 32, "codec: uint64: 4294967296 overflows uint"},
		{decodeOffset, "0000000080000000", 1 << 39, "codec: int64: 549755813888 overflows int"},
	} {
		v, err := tc.decode(unhex(t, tc.hex))
		if strconv.IntSize == 64 {
			if err != nil || v != tc.want {
				t.Errorf("Decode(%s) = %d, %v, want %d", tc.hex, v, err, tc.want)
			}
			continue
		}
		if err == nil || err.Error() != tc.err || !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("Decode(%s) = %d, %v, want error %q matching ErrInvalid", tc.hex, v, err, tc.err)
		}
	}
}

func TestString(t *testing.T) {
	c := codec.String{}
	if c.Name() != "string" {
		t.Fatalf("Name() = %q", c.Name())
	}
	for _, s := range []string{"", "a", "héllo", "\xff\xfe\x00bad utf-8\x80", strings.Repeat("long ", 1000)} {
		checkEncoding[string](t, c, s, []byte(s), equals)
		if got := c.Borrow(s); string(got) != s || len(got) != len(s) || cap(got) != len(s) {
			t.Fatalf("Borrow(%q) = %q with cap %d", s, got, cap(got))
		}
	}
	if want := unhex(t, "68 c3 a9 6c 6c 6f"); !bytes.Equal(c.Borrow("héllo"), want) {
		t.Fatalf("Borrow(héllo) = % x, want % x", c.Borrow("héllo"), want)
	}

	b := []byte("mapped")
	s, _ := c.Decode(b)
	b[0] = 'X'
	if s != "mapped" {
		t.Fatalf("Decode aliases its input: %q", s)
	}
}

func TestBytes(t *testing.T) {
	c := codec.Bytes{}
	if c.Name() != "bytes" {
		t.Fatalf("Name() = %q", c.Name())
	}
	for _, v := range [][]byte{nil, {}, {0}, {0xff, 0x00, 0x80}, bytes.Repeat([]byte{7}, 4096)} {
		checkEncoding(t, codec.Codec[[]byte](c), v, v, bytes.Equal)
	}

	v := []byte("key")
	if got := c.Borrow(v); len(got) != len(v) || &got[0] != &v[0] {
		t.Fatalf("Borrow copied its argument")
	}

	for _, in := range [][]byte{nil, {}} {
		got, err := c.Decode(in)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Decode(%#v) = %#v, %v, want a non-nil empty slice", in, got, err)
		}
	}

	in := []byte("mapped")
	got, _ := c.Decode(in)
	in[0] = 'X'
	if string(got) != "mapped" {
		t.Fatalf("Decode aliases its input: %q", got)
	}
}

func TestEmpty(t *testing.T) {
	c := codec.Empty{}
	if c.Name() != "empty" {
		t.Fatalf("Name() = %q", c.Name())
	}
	checkEncoding(t, codec.Codec[struct{}](c), struct{}{}, nil, equals)
	if w, n := c.Pack(struct{}{}); w != 0 || n != 0 {
		t.Fatalf("Pack = %#x, %d, want 0, 0", w, n)
	}
	// The byte 80 is how Msgpack wrote struct{}, in maps Empty reads.
	if legacy, _ := (codec.Msgpack[struct{}]{}).Append(nil, struct{}{}); string(legacy) != "\x80" {
		t.Fatalf("Msgpack writes struct{} as % x, want 80", legacy)
	}
	for _, in := range []string{"", "80"} {
		if _, err := c.Decode(unhex(t, in)); err != nil {
			t.Errorf("Decode(%s): %v", in, err)
		}
	}
	for _, in := range []string{"00", "c0", "81", "80 80", "0000000000000000"} {
		_, err := c.Decode(unhex(t, in))
		if !errors.Is(err, codec.ErrInvalid) || !strings.HasPrefix(err.Error(), "codec: empty: want 0 bytes, got ") {
			t.Errorf("Decode(%s): %v, want an error matching ErrInvalid", in, err)
		}
	}
}

// point is a struct with fields declared out of their encoded order.
type point struct {
	Y    int32             `msgpack:"y"`
	X    int32             `msgpack:"x"`
	Tags map[string]string `msgpack:"tags,omitempty"`
	Raw  []byte            `msgpack:"raw,omitempty"`
}

// record has one field of each kind msgpack handles.
type record struct {
	Name   string
	Scores []float64
	Attrs  map[string]any
	ByID   map[int64]point
	When   time.Time
	Next   *record
	Any    any
	Flag   bool
	Small  uint8
}

func TestMsgpackGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		hex  string
	}{
		{"nil", nil, "c0"},
		{"true", true, "c3"},
		{"int", 1, "01"},
		{"int -33", -33, "d0 df"},
		{"int64", int64(1), "d3 0000000000000001"},
		{"uint8", uint8(200), "cc c8"},
		{"float64", 1.5, "cb 3ff8000000000000"},
		{"string", "héllo", "a6 68c3a96c6c6f"},
		{"bytes", []byte{1, 2}, "c4 02 0102"},
		{"slice", []int{3, 1, 2}, "93 03 01 02"},
		{"map", map[string]int{"b": 1, "aa": 2}, "82 a1 62 01 a2 61 61 02"},
		{"map int keys", map[int]string{300: "c", 2: "b", -1: "a"}, "83 02 a1 62 cd 012c a1 63 ff a1 61"},
		{"struct", point{Y: 2, X: 1}, "82 a1 78 d2 00000001 a1 79 d2 00000002"},
		{"nested", []any{map[string]any{"z": map[string]int{"d": 4, "c": 3}, "a": nil}},
			"91 82 a1 61 c0 a1 7a 82 a1 63 03 a1 64 04"},
		{"time", time.Unix(1, 0).UTC(), "d6 ff 00000001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := codec.Msgpack[any]{}.Append(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.hex); !bytes.Equal(got, want) {
				t.Fatalf("Append(%v) = % x, want % x", tc.v, got, want)
			}
		})
	}
}

func TestMsgpackRoundTrip(t *testing.T) {
	c := codec.Msgpack[record]{}
	if c.Name() != "msgpack:record#706cb0ff" {
		t.Fatalf("Name() = %q", c.Name())
	}
	v := record{
		Name:   "r\xff1",
		Scores: []float64{1.5, math.Inf(-1)},
		Attrs:  map[string]any{"k": "v", "n": int8(-3), "list": []any{"x", true}},
		ByID:   map[int64]point{1: {X: 1, Y: 2, Tags: map[string]string{"b": "2", "a": "1"}}, -7: {Raw: []byte{0}}},
		When:   time.Date(2024, 2, 29, 12, 30, 0, 123, time.Local), // msgpack decodes times as Local
		Next:   &record{Name: "next", Small: 9},
		Any:    map[string]any{"deep": []any{map[string]any{"b": "c", "a": "d"}}},
		Flag:   true,
		Small:  255,
	}
	enc, err := c.Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, v)
	}
	again, _ := c.Append(nil, got)
	if !bytes.Equal(again, enc) {
		t.Fatalf("decoded value encodes differently:\n% x\n% x", again, enc)
	}
}

// TestMsgpackDeterministic encodes maps whose iteration order varies from
// one range to the next, and expects the same bytes every time.
func TestMsgpackDeterministic(t *testing.T) {
	type nested = map[string]map[int]string
	c := codec.Msgpack[nested]{}
	build := func(order []int) nested {
		m := nested{}
		for _, i := range order {
			k := strconv.Itoa(i)
			m[k] = map[int]string{i: k, -i: k, i * 1000: k}
		}
		return m
	}
	order := rand.Perm(40)
	first, err := c.Append(nil, build(order))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		got, err := c.Append(nil, build(order))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, first) {
			t.Fatalf("encodings differ:\n% x\n% x", got, first)
		}
	}
	back, err := c.Decode(first)
	if err != nil || !reflect.DeepEqual(back, build(order)) {
		t.Fatalf("Decode = %v, %v", back, err)
	}
	var plain nested
	if err := msgpack.Unmarshal(first, &plain); err != nil || !reflect.DeepEqual(plain, back) {
		t.Fatalf("msgpack.Unmarshal = %v, %v", plain, err)
	}
}

func TestMsgpackAppend(t *testing.T) {
	c := codec.Msgpack[point]{}
	dst := make([]byte, 3, 64)
	copy(dst, "abc")
	got, err := c.Append(dst, point{X: 1, Y: 2, Tags: map[string]string{"q": "r", "p": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	if &got[0] != &dst[0] || string(got[:3]) != "abc" {
		t.Fatalf("Append did not append into dst: % x", got)
	}
	v, err := c.Decode(got[3:])
	if err != nil || v.X != 1 || v.Y != 2 || v.Tags["p"] != "s" {
		t.Fatalf("Decode = %+v, %v", v, err)
	}

	_, err = codec.Msgpack[any]{}.Append(dst, make(chan int))
	if err == nil || !strings.HasPrefix(err.Error(), "codec: msgpack: ") || errors.Is(err, codec.ErrInvalid) {
		t.Fatalf("Append(chan) error = %v", err)
	}
}

// TestMsgpackNoAlias mutates the input after Decode and expects the decoded
// value unchanged.
func TestMsgpackNoAlias(t *testing.T) {
	c := codec.Msgpack[point]{}
	in, _ := c.Append(nil, point{Raw: []byte("raw bytes"), Tags: map[string]string{"key": "value"}})
	v, err := c.Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 0
	}
	if string(v.Raw) != "raw bytes" || v.Tags["key"] != "value" {
		t.Fatalf("decoded value changed with its input: %+v", v)
	}
}

// badEncoder writes msgpack of its own that is not well formed.
type badEncoder struct{ raw []byte }

func (e badEncoder) EncodeMsgpack(enc *msgpack.Encoder) error {
	_, err := enc.Writer().Write(e.raw)
	return err
}

func TestMsgpackMalformedEncoder(t *testing.T) {
	for _, raw := range []string{
		"82 a1 6b a1 76",    // a map of two entries with one
		"81 a1 6b",          // a map of one entry with no value
		"c1",                // a code msgpack never uses
		"a5 6162",           // a string shorter than its length
		"01 02",             // two values
		"dd 0000ffff 01 02", // an array shorter than its count
	} {
		dst := []byte("abc")
		got, err := codec.Msgpack[[]badEncoder]{}.Append(dst, []badEncoder{{unhex(t, raw)}})
		if err == nil || !strings.HasPrefix(err.Error(), "codec: msgpack: ") || errors.Is(err, codec.ErrInvalid) {
			t.Errorf("Append(%s) = % x, %v, want an error", raw, got, err)
		}
		if string(got) != "abc" {
			t.Errorf("Append(%s) returned % x with its error, want dst", raw, got)
		}
	}
}

// panicky panics while it decodes, as a buggy custom decoder might.
type panicky struct{}

func (*panicky) DecodeMsgpack(*msgpack.Decoder) error { panic("decoder bug") }

func TestMsgpackDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
	}{
		{"empty", ""},
		{"never used code", "c1"},
		{"truncated str", "a5 6162"},
		{"truncated int64", "d3 0102"},
		{"huge array", "dd ffffffff"},
		{"array short of its count", "dc ffff" + strings.Repeat(" 01", 100)},
		{"huge map", "df ffffffff"},
		{"huge bin", "c6 ffffffff 00"},
		{"bytes after value", "01 02"},
		{"wrong type", "a3 616263"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := codec.Msgpack[[]int]{}.Decode(unhex(t, tc.hex))
			if err == nil || !strings.HasPrefix(err.Error(), "codec: msgpack: ") || !errors.Is(err, codec.ErrInvalid) {
				t.Fatalf("Decode = %v, %v, want an error matching ErrInvalid", v, err)
			}
		})
	}

	for _, in := range []string{"dd ffffffff", "df 7fffffff", "c6 7fffffff", "91 dd 00ffffff"} {
		if v, err := (codec.Msgpack[any]{}).Decode(unhex(t, in)); err == nil || !errors.Is(err, codec.ErrInvalid) {
			t.Errorf("Decode(%s) into any = %v, %v, want an error matching ErrInvalid", in, v, err)
		}
	}

	_, err := codec.Msgpack[panicky]{}.Decode(unhex(t, "01"))
	if err == nil || !errors.Is(err, codec.ErrInvalid) || !strings.Contains(err.Error(), "decoder bug") {
		t.Fatalf("Decode with a panicking decoder: %v", err)
	}
}

// TestMsgpackGarbage decodes random bytes into several types: every call
// must return, with or without an error.
func TestMsgpackGarbage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 64)
	for range 20000 {
		n := r.IntN(len(b))
		for i := range n {
			b[i] = byte(r.Uint32())
		}
		_, _ = codec.Msgpack[any]{}.Decode(b[:n])
		_, _ = codec.Msgpack[record]{}.Decode(b[:n])
		_, _ = codec.Msgpack[map[int]point]{}.Decode(b[:n])
	}
}

// TestMsgpackConcurrent shares the pooled encoders and decoders between
// goroutines; run it with -race.
func TestMsgpackConcurrent(t *testing.T) {
	c := codec.Msgpack[map[string][]int]{}
	want, err := c.Append(nil, map[string][]int{"a": {1}, "b": {2, 3}, "c": nil})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				v := map[string][]int{"a": {1}, "b": {2, 3}, "c": nil}
				v[strconv.Itoa(g)] = []int{i}
				enc, err := c.Append(nil, v)
				if err == nil {
					var back map[string][]int
					back, err = c.Decode(enc)
					if err == nil && !reflect.DeepEqual(back[strconv.Itoa(g)], []int{i}) {
						err = fmt.Errorf("goroutine %d: got %v", g, back)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			enc, _ := c.Append(nil, map[string][]int{"c": nil, "b": {2, 3}, "a": {1}})
			if !bytes.Equal(enc, want) {
				errs <- fmt.Errorf("goroutine %d: % x, want % x", g, enc, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func FuzzMsgpackDecode(f *testing.F) {
	f.Add([]byte{0xc0})
	f.Add([]byte{0x82, 0xa1, 0x62, 0x01, 0xa2, 0x61, 0x61, 0x02})
	f.Add([]byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := codec.Msgpack[any]{}.Decode(b)
		if err != nil {
			if !errors.Is(err, codec.ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		// A value that decodes must encode, and then decode to the same bytes.
		enc, err := codec.Msgpack[any]{}.Append(nil, v)
		if err != nil {
			t.Fatalf("Append(%#v): %v", v, err)
		}
		v2, err := codec.Msgpack[any]{}.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(% x): %v", enc, err)
		}
		enc2, _ := codec.Msgpack[any]{}.Append(nil, v2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n% x\n% x", enc, enc2)
		}
	})
}

func TestFor(t *testing.T) {
	for _, tc := range []struct {
		name     string
		codec    any // the result of For
		wantType any // a value of the codec type For must return
		wantName string
	}{
		{"string", codec.For[string](), codec.String{}, "string"},
		{"[]byte", codec.For[[]byte](), codec.Bytes{}, "bytes"},
		{"int", codec.For[int](), codec.Native[int]{}, "int64"},
		{"int8", codec.For[int8](), codec.Native[int8]{}, "int8"},
		{"int16", codec.For[int16](), codec.Native[int16]{}, "int16"},
		{"int32", codec.For[int32](), codec.Native[int32]{}, "int32"},
		{"int64", codec.For[int64](), codec.Native[int64]{}, "int64"},
		{"uint", codec.For[uint](), codec.Native[uint]{}, "uint64"},
		{"uint8", codec.For[uint8](), codec.Native[uint8]{}, "uint8"},
		{"uint16", codec.For[uint16](), codec.Native[uint16]{}, "uint16"},
		{"uint32", codec.For[uint32](), codec.Native[uint32]{}, "uint32"},
		{"uint64", codec.For[uint64](), codec.Native[uint64]{}, "uint64"},
		{"float32", codec.For[float32](), codec.Native[float32]{}, "float32"},
		{"float64", codec.For[float64](), codec.Native[float64]{}, "float64"},
		{"uintptr", codec.For[uintptr](), codec.Msgpack[uintptr]{}, "msgpack:uintptr#fcd16165"},
		{"defined float", codec.For[celsius](), codec.Msgpack[celsius]{}, "msgpack:celsius#3e165b96"},
		{"defined string", codec.For[weightName](), codec.Msgpack[weightName]{}, "msgpack:weightName#4df32d59"},
		{"bool", codec.For[bool](), codec.Msgpack[bool]{}, "msgpack:bool#c894953d"},
		{"*int", codec.For[*int](), codec.Msgpack[*int]{}, "msgpack:*int#a9c96646"},
		{"[]int", codec.For[[]int](), codec.Msgpack[[]int]{}, "msgpack:[]int#2bdebcbe"},
		{"[4]byte", codec.For[[4]byte](), codec.Msgpack[[4]byte]{}, "msgpack:[4]uint8#6acce58b"},
		{"struct", codec.For[point](), codec.Msgpack[point]{}, "msgpack:point#102631dc"},
		{"struct{}", codec.For[struct{}](), codec.Empty{}, "empty"},
		{"defined struct{}", codec.For[void](), codec.Msgpack[void]{}, "msgpack:void#bc810614"},
		{"map", codec.For[map[string]int](), codec.Msgpack[map[string]int]{}, "msgpack:map[string]int#023080d7"},
		{"any", codec.For[any](), codec.Msgpack[any]{}, "msgpack:interface {}#d8f76804"},
	} {
		if got, want := reflect.TypeOf(tc.codec), reflect.TypeOf(tc.wantType); got != want {
			t.Errorf("For[%s]() is a %v, want %v", tc.name, got, want)
		}
		name := tc.codec.(interface{ Name() string }).Name()
		if name != tc.wantName {
			t.Errorf("For[%s]().Name() = %q, want %q", tc.name, name, tc.wantName)
		}
	}
}

type weightName string

type void struct{}

// TestNames checks that every name fits the 32 bytes of the file header and
// that codecs with different encodings have different names.
func TestNames(t *testing.T) {
	names := []string{
		codec.String{}.Name(), codec.Bytes{}.Name(), codec.Msgpack[any]{}.Name(), codec.Empty{}.Name(),
		codec.Native[int8]{}.Name(), codec.Native[int16]{}.Name(), codec.Native[int32]{}.Name(),
		codec.Native[int64]{}.Name(), codec.Native[uint8]{}.Name(), codec.Native[uint16]{}.Name(),
		codec.Native[uint32]{}.Name(), codec.Native[uint64]{}.Name(),
		codec.Native[float32]{}.Name(), codec.Native[float64]{}.Name(),
	}
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || len(n) > 32 {
			t.Errorf("name %q: want 1 to 32 bytes", n)
		}
		if seen[n] {
			t.Errorf("name %q used twice", n)
		}
		seen[n] = true
	}
}

// TestZeroAllocs checks the operations a map runs on every lookup.
func TestZeroAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	enc8 := unhex(t, "0807060504030201")
	enc8small := unhex(t, "2a00000000000000") // fits in a 32-bit int
	enc4 := unhex(t, "0000803f")
	str, bs := "a string key", []byte("a byte key")
	var sink uint64
	var sinkBytes []byte

	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"uint64 append", func() { buf, _ = codec.Native[uint64]{}.Append(buf[:0], 42) }},
		{"int8 append", func() { buf, _ = codec.Native[int8]{}.Append(buf[:0], -3) }},
		{"float32 append", func() { buf, _ = codec.Native[float32]{}.Append(buf[:0], 1.5) }},
		{"celsius append", func() { buf, _ = codec.Native[celsius]{}.Append(buf[:0], 1.5) }},
		{"uint64 decode", func() { v, _ := codec.Native[uint64]{}.Decode(enc8); sink += v }},
		{"int decode", func() { v, _ := codec.Native[int]{}.Decode(enc8small); sink += uint64(v) }},
		{"float32 decode", func() { v, _ := codec.Native[float32]{}.Decode(enc4); sink += uint64(v) }},
		{"count decode", func() { v, _ := codec.Native[count]{}.Decode(enc8small); sink += uint64(v) }},
		{"int64 pack", func() { w, _ := codec.Native[int64]{}.Pack(-1); sink += w }},
		{"float64 pack", func() { w, _ := codec.Native[float64]{}.Pack(2.5); sink += w }},
		{"packer", func() { w, _ := codec.Packer[int16](codec.Native[int16]{}).Pack(5); sink += w }},
		{"string append", func() { buf, _ = codec.String{}.Append(buf[:0], str) }},
		{"string borrow", func() { sinkBytes = codec.String{}.Borrow(str) }},
		{"bytes append", func() { buf, _ = codec.Bytes{}.Append(buf[:0], bs) }},
		{"bytes borrow", func() { sinkBytes = codec.Bytes{}.Borrow(bs) }},
		{"codec interface", func() { buf, _ = codec.For[uint32]().Append(buf[:0], 7) }},
		{"borrower interface", func() { sinkBytes = codec.Borrower[string](codec.String{}).Borrow(str) }},
		{"empty append", func() { buf, _ = codec.Empty{}.Append(buf[:0], struct{}{}) }},
		{"empty decode", func() { _, _ = codec.Empty{}.Decode(nil) }},
		{"empty pack", func() { w, _ := codec.Empty{}.Pack(struct{}{}); sink += w }},
	} {
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tc.name, n)
		}
	}
	_, _ = sink, sinkBytes
}
