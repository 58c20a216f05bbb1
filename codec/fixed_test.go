package codec_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/codec"
)

// Types for Fixed: padded has padding after A, C and D on every platform;
// nested has arrays of structs, arrays of arrays, bools and defined types;
// rec32 is 32 bytes of numbers with no padding anywhere.
type (
	padded struct {
		A int8
		B int64
		C bool
		D uint16
	}
	inner struct {
		X int8
		Y int32
	}
	nested struct {
		P     [2]inner
		Grid  [2][3]int16
		Flags [3]bool
		Temp  celsius
		Z     complex64
		W     complex128
		lower uint32 // unexported fields are encoded too
	}
	rec32 struct {
		ID    uint64
		Score float64
		Count uint32
		Flags uint16
		Kind  uint8
		OK    bool
		Pos   [2]float32
	}
)

// mustFixed returns Fixed[T] or fails the test.
func mustFixed[T any](t testing.TB) codec.Codec[T] {
	t.Helper()
	c, err := codec.Fixed[T]()
	if err != nil {
		t.Fatalf("Fixed[%v]: %v", reflect.TypeFor[T](), err)
	}
	return c
}

// refEncode writes the numbers and bools of v into b at their offsets, in
// the given byte order, as the package doc describes Fixed's encoding. It
// leaves padding as b has it.
func refEncode(b []byte, v reflect.Value, order binary.ByteOrder) {
	switch v.Kind() {
	case reflect.Bool:
		b[0] = 0
		if v.Bool() {
			b[0] = 1
		}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		putUint(b, uint64(v.Int()), int(v.Type().Size()), order)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		putUint(b, v.Uint(), int(v.Type().Size()), order)
	case reflect.Float32:
		order.PutUint32(b, math.Float32bits(float32(v.Float())))
	case reflect.Float64:
		order.PutUint64(b, math.Float64bits(v.Float()))
	case reflect.Complex64:
		order.PutUint32(b, math.Float32bits(float32(real(v.Complex()))))
		order.PutUint32(b[4:], math.Float32bits(float32(imag(v.Complex()))))
	case reflect.Complex128:
		order.PutUint64(b, math.Float64bits(real(v.Complex())))
		order.PutUint64(b[8:], math.Float64bits(imag(v.Complex())))
	case reflect.Array:
		size := int(v.Type().Elem().Size())
		for i := range v.Len() {
			refEncode(b[i*size:], v.Index(i), order)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			refEncode(b[v.Type().Field(i).Offset:], v.Field(i), order)
		}
	default:
		panic("refEncode: " + v.Type().String())
	}
}

// putUint writes the low size bytes of x to b in the given order.
func putUint(b []byte, x uint64, size int, order binary.ByteOrder) {
	var full [8]byte
	binary.LittleEndian.PutUint64(full[:], x)
	copy(b, full[:size])
	if order == binary.BigEndian {
		for i := range size / 2 {
			b[i], b[size-1-i] = b[size-1-i], b[i]
		}
	}
}

// reference returns the encoding of v by refEncode, padding zero.
func reference[T any](v T, order binary.ByteOrder) []byte {
	b := make([]byte, reflect.TypeFor[T]().Size())
	refEncode(b, reflect.ValueOf(v), order)
	return b
}

// aligned returns a copy of b whose first byte is 8-byte aligned, as the
// values of a map are.
func aligned(b []byte) []byte {
	buf := make([]byte, len(b)+8)
	off := int(-reflect.ValueOf(&buf[0]).Pointer() & 7)
	out := buf[off : off+len(b) : off+len(b)]
	copy(out, b)
	return out
}

// testFixed checks each value both ways against the reference encoding, the
// swap a big-endian platform does, View, and that Decode does not alias.
// Values are compared by their encodings, so that NaNs compare equal.
func testFixed[T any](t *testing.T, values ...T) {
	t.Helper()
	c := mustFixed[T](t)
	same := func(a, b T) bool {
		ea, _ := c.Append(nil, a)
		eb, _ := c.Append(nil, b)
		return bytes.Equal(ea, eb)
	}
	for _, v := range values {
		want := reference(v, binary.LittleEndian)
		checkEncoding(t, c, v, want, same)

		swapped := bytes.Clone(want)
		codec.FixedSwap(c, swapped)
		if be := reference(v, binary.BigEndian); !bytes.Equal(swapped, be) {
			t.Fatalf("%s: swapping % x gives % x, want the big-endian % x", c.Name(), want, swapped, be)
		}

		in := aligned(want)
		p, err := c.(codec.Viewer[T]).View(in)
		if err != nil || !same(*p, v) {
			t.Fatalf("%s: View(% x) = %v, %v, want %v", c.Name(), in, p, err, v)
		}
		back, _ := c.Decode(in)
		clear(in)
		if !same(back, v) {
			t.Fatalf("%s: the result of Decode changed with its input", c.Name())
		}
	}
}

func TestFixedRoundTrip(t *testing.T) {
	negZero := math.Copysign(0, -1)
	nan := math.Float64frombits(0x7ff8000000abcdef) // quiet NaN with a payload
	t.Run("numbers", func(t *testing.T) {
		testFixed(t, int8(-1), int8(math.MaxInt8))
		testFixed(t, uint16(0x1234), uint16(math.MaxUint16))
		testFixed(t, int32(-2), int32(math.MinInt32))
		testFixed(t, uint64(0x0102030405060708), uint64(math.MaxUint64))
		testFixed(t, float32(negZero), float32(math.Inf(-1)), math.Float32frombits(0x7fc12345))
		testFixed(t, negZero, nan, math.Float64frombits(0x7ff0000000000001), math.SmallestNonzeroFloat64)
		testFixed(t, complex64(complex(-1.5, float32(negZero))))
		testFixed(t, complex(nan, 2), complex(negZero, math.Inf(1)))
		testFixed(t, celsius(-40), celsius(nan))
	})
	t.Run("bools", func(t *testing.T) {
		testFixed(t, false, true)
		testFixed(t, [3]bool{true, false, true})
	})
	t.Run("arrays", func(t *testing.T) {
		testFixed(t, [16]byte{1, 2, 3, 15: 0xff})
		testFixed(t, [2][3]int16{{1, -2, 3}, {-4, 5, math.MinInt16}})
		testFixed(t, [0]int64{})
	})
	t.Run("structs", func(t *testing.T) {
		testFixed(t, padded{}, padded{A: -1, B: math.MinInt64, C: true, D: 0xbeef})
		testFixed(t, nested{}, nested{
			P:     [2]inner{{X: 1, Y: -1}, {X: -128, Y: math.MaxInt32}},
			Grid:  [2][3]int16{{1, 2, 3}, {4, 5, 6}},
			Flags: [3]bool{false, true, true},
			Temp:  celsius(negZero),
			Z:     complex(float32(math.NaN()), -0.5),
			W:     complex(math.Inf(1), nan),
			lower: 0xdeadbeef,
		})
		testFixed(t, rec32{ID: 1, Score: -0.25, Count: 3, Flags: 4, Kind: 5, OK: true, Pos: [2]float32{1, -1}})
		testFixed(t, struct{}{})
		testFixed(t, struct{ A, B struct{} }{})
	})
}

// TestFixedEncoding pins the bytes of a few values. The layout of padded
// depends on the alignment of int64: 8 bytes on 64-bit platforms, 4 on 386.
func TestFixedEncoding(t *testing.T) {
	checkEncoding(t, mustFixed[[2]inner](t), [2]inner{{X: 1, Y: 2}, {X: 3, Y: -1}},
		unhex(t, "01 000000 02000000 03 000000 ffffffff"), equals)
	checkEncoding(t, mustFixed[float64](t), math.Copysign(0, -1), unhex(t, "0000000000000080"), sameFloat64)
	checkEncoding(t, mustFixed[docPair](t), docPair{1, 2}, unhex(t, "01 00 0200"), equals)
	checkEncoding(t, mustFixed[[2]bool](t), [2]bool{true, false}, unhex(t, "01 00"), equals)
	p := padded{A: -1, B: 0x0102030405060708, C: true, D: 0xbeef}
	switch size := reflect.TypeFor[padded]().Size(); size {
	case 24:
		checkEncoding(t, mustFixed[padded](t), p, unhex(t, "ff 00000000000000 0807060504030201 01 00 efbe 00000000"), equals)
	case 16:
		checkEncoding(t, mustFixed[padded](t), p, unhex(t, "ff 000000 0807060504030201 01 00 efbe"), equals)
	default:
		t.Fatalf("padded is %d bytes", size)
	}
}

// TestFixedSignalingNaN keeps the bits of a float32 signaling NaN, which a
// conversion to float64 and back would quieten.
func TestFixedSignalingNaN(t *testing.T) {
	c := mustFixed[[2]float32](t)
	v := [2]float32{math.Float32frombits(0x7f800001), math.Float32frombits(0xff800002)}
	b, _ := c.Append(nil, v)
	if want := unhex(t, "0100807f 020080ff"); !bytes.Equal(b, want) {
		t.Fatalf("Append = % x, want % x", b, want)
	}
	back, err := c.Decode(b)
	if err != nil || math.Float32bits(back[0]) != 0x7f800001 || math.Float32bits(back[1]) != 0xff800002 {
		t.Fatalf("Decode = %x, %x, %v", math.Float32bits(back[0]), math.Float32bits(back[1]), err)
	}
}

// dataBytes reports, for each byte of a value of type t, whether a number or
// bool lies there rather than padding.
func dataBytes(t reflect.Type) []bool {
	data := make([]bool, t.Size())
	var mark func(t reflect.Type, off int)
	mark = func(t reflect.Type, off int) {
		switch t.Kind() {
		case reflect.Array:
			for i := range t.Len() {
				mark(t.Elem(), off+i*int(t.Elem().Size()))
			}
		case reflect.Struct:
			for i := range t.NumField() {
				mark(t.Field(i).Type, off+int(t.Field(i).Offset))
			}
		default:
			for i := range int(t.Size()) {
				data[off+i] = true
			}
		}
	}
	mark(t, 0)
	return data
}

// TestFixedPadding encodes memory whose every byte is 0xff, padding
// included: the encoding must keep the data and zero the padding, and
// Decode must refuse a non-zero padding byte.
func TestFixedPadding(t *testing.T) {
	testPadding[padded](t)
	testPadding[nested](t)
	testPadding[[3]padded](t)
}

func testPadding[T any](t *testing.T) {
	c := mustFixed[T](t)
	data := dataBytes(reflect.TypeFor[T]())
	mem := bytes.Repeat([]byte{0xff}, len(data))
	enc := codec.FixedFromMemory(c, mem)
	pads := 0
	for i, isData := range data {
		if want := map[bool]byte{true: 0xff, false: 0}[isData]; enc[i] != want {
			t.Fatalf("%s: byte %d of the encoding is %#x, want %#x", c.Name(), i, enc[i], want)
		}
		if isData {
			continue
		}
		pads++
		bad := make([]byte, len(data))
		bad[i] = 0x01
		if _, err := c.Decode(bad); !errors.Is(err, codec.ErrInvalid) || !strings.Contains(err.Error(), "padding") {
			t.Fatalf("%s: Decode with padding byte %d set: %v, want an error about padding matching ErrInvalid", c.Name(), i, err)
		}
	}
	if pads == 0 {
		t.Fatalf("%s: no padding to test", c.Name())
	}
}

// TestFixedDecodeErrors: Decode and View refuse every length but the size,
// and a bool byte other than 0 or 1.
func TestFixedDecodeErrors(t *testing.T) {
	c := mustFixed[nested](t)
	size := int(reflect.TypeFor[nested]().Size())
	for _, n := range []int{0, 1, size - 1, size + 1, 2 * size} {
		_, err := c.Decode(make([]byte, n))
		want := c.Name() + ": want " + strconv.Itoa(size) + " bytes, got " + strconv.Itoa(n)
		if !errors.Is(err, codec.ErrInvalid) || err.Error() != "codec: "+want {
			t.Errorf("Decode of %d bytes: %v, want %q matching ErrInvalid", n, err, want)
		}
		if p, err := c.(codec.Viewer[nested]).View(aligned(make([]byte, n))); !errors.Is(err, codec.ErrInvalid) || p != nil {
			t.Errorf("View of %d bytes: %v, %v, want an error matching ErrInvalid", n, p, err)
		}
	}
	flags := int(reflect.TypeFor[nested]().Field(2).Offset)
	for i := range 3 {
		for _, bad := range []byte{2, 0x80, 0xff} {
			b := make([]byte, size)
			b[flags+i] = bad
			_, err := c.Decode(b)
			if !errors.Is(err, codec.ErrInvalid) || !strings.Contains(err.Error(), "want a bool") {
				t.Errorf("Decode with bool %d = %#x: %v, want an error about a bool matching ErrInvalid", i, bad, err)
			}
			if _, err := c.(codec.Viewer[nested]).View(aligned(b)); !errors.Is(err, codec.ErrInvalid) {
				t.Errorf("View with bool %d = %#x: %v, want an error matching ErrInvalid", i, bad, err)
			}
		}
	}
	if _, err := mustFixed[bool](t).Decode([]byte{2}); !errors.Is(err, codec.ErrInvalid) {
		t.Errorf("Fixed[bool].Decode(02): %v, want ErrInvalid", err)
	}
}

// TestFixedViewMisaligned: View refuses bytes not aligned for T, with an
// error that is not about the bytes' contents.
func TestFixedViewMisaligned(t *testing.T) {
	if !codec.LittleEndian() {
		t.Skip("View decodes a copy on a big-endian platform, aligned or not")
	}
	c := mustFixed[rec32](t)
	enc, _ := c.Append(nil, rec32{ID: 7})
	buf := aligned(append(enc, 0))
	copy(buf[1:], enc)
	p, err := c.(codec.Viewer[rec32]).View(buf[1:])
	if err == nil || errors.Is(err, codec.ErrInvalid) || !strings.Contains(err.Error(), "not aligned") || p != nil {
		t.Fatalf("View of misaligned bytes = %v, %v, want an error about alignment", p, err)
	}
}

// Types Fixed refuses, for TestFixedErrors.
type (
	badNested struct {
		A     int64
		Inner struct{ S string }
	}
	badArray struct {
		OK  [2]uint8
		Arr [3]int
	}
	badElem [2]struct{ P *int }
)

// TestFixedErrors makes Fixed of every kind it refuses, alone and nested:
// the error names the type, the field and the reason.
func TestFixedErrors(t *testing.T) {
	const platform = "has a size that differs by platform; use a sized type such as int64 or uint32"
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fixedErr[int](), "int " + platform},
		{fixedErr[uint](), "uint " + platform},
		{fixedErr[uintptr](), "uintptr " + platform},
		{fixedErr[offset](), "codec_test.offset " + platform},
		{fixedErr[*int64](), "*int64 holds a pointer"},
		{fixedErr[string](), "string holds a pointer"},
		{fixedErr[[]byte](), "[]uint8 holds a pointer"},
		{fixedErr[map[int8]int8](), "map[int8]int8 holds a pointer"},
		{fixedErr[any](), "interface {} holds a pointer"},
		{fixedErr[error](), "error holds a pointer"},
		{fixedErr[chan int8](), "chan int8 holds a pointer"},
		{fixedErr[func()](), "func() holds a pointer"},
		{fixedErr[badNested](), "codec_test.badNested.Inner.S: string holds a pointer"},
		{fixedErr[badArray](), "codec_test.badArray.Arr[0]: int " + platform},
		{fixedErr[badElem](), "codec_test.badElem[0].P: *int holds a pointer"},
		{fixedErr[[4][0]string](), "[4][0]string[0][0]: string holds a pointer"},
		{fixedErr[time.Time](), "time.Time.loc: *time.Location holds a pointer"},
	} {
		if tc.err == nil || tc.err.Error() != "codec: fixed: "+tc.want || errors.Is(tc.err, codec.ErrInvalid) {
			t.Errorf("error %v, want %q, not matching ErrInvalid", tc.err, "codec: fixed: "+tc.want)
		}
	}
}

// fixedErr returns the error of Fixed[T].
func fixedErr[T any]() error {
	_, err := codec.Fixed[T]()
	return err
}

// docPair is the example of the package doc.
type docPair struct {
	A int8
	B uint16
}

// renamed has the layout of rec32 under other names.
type renamed struct {
	Key    uint64
	Rank   float64
	N      uint32
	Bits   uint16
	Sort   uint8
	Active bool
	XY     [2]float32
}

// TestFixedNames pins the names of a few types, so that a change to how
// names are made, which would stop every map of these types from opening,
// fails here first. Names depend on layout alone.
func TestFixedNames(t *testing.T) {
	// The hashes are FNV-1a of the descriptions in the comments.
	paddedName := map[uintptr]string{
		24: "fixed:24:e040a0d42507be9f", // 24;{24;0:i1,8:i8,16:b,18:u2}
		16: "fixed:16:0c11afdd61009bdf", // 16;{16;0:i1,4:i8,12:b,14:u2}, where int64 is 4-byte aligned
	}
	for _, tc := range []struct {
		got, want string
	}{
		{mustFixed[int64](t).Name(), "fixed:8:18f21b3df09ea98d"},     // 8;i8
		{mustFixed[float64](t).Name(), "fixed:8:18cc993df07eb06a"},   // 8;f8
		{mustFixed[celsius](t).Name(), "fixed:8:18cc993df07eb06a"},   // the same
		{mustFixed[[16]byte](t).Name(), "fixed:16:4b8da73ae24b78e4"}, // 16;[16]u1
		{mustFixed[rec32](t).Name(), "fixed:32:75985ce65d0056a2"},    // 32;{32;0:u8,8:f8,16:u4,20:u2,22:u1,23:b,24:[2]f4}
		{mustFixed[renamed](t).Name(), "fixed:32:75985ce65d0056a2"},  // the same
		{mustFixed[padded](t).Name(), paddedName[reflect.TypeFor[padded]().Size()]},
		{mustFixed[struct{}](t).Name(), "fixed:0:0f88b7805dc3cf73"}, // 0;{0;}
		{mustFixed[docPair](t).Name(), "fixed:4:59e557c547ca3696"},  // 4;{4;0:i1,2:u2}, the package doc's example
	} {
		if tc.got != tc.want {
			t.Errorf("name %q, want %q", tc.got, tc.want)
		}
	}

	// Every layout has a name of its own, within the 32 bytes of a header.
	names := map[string]string{}
	for _, c := range []interface{ Name() string }{
		mustFixed[int64](t), mustFixed[uint64](t), mustFixed[float64](t), mustFixed[complex64](t),
		mustFixed[[8]byte](t), mustFixed[[2]int32](t), mustFixed[[2]float32](t),
		mustFixed[struct{ A, B int32 }](t), mustFixed[struct {
			A int32
			B float32
		}](t),
		mustFixed[struct {
			B float32
			A int32
		}](t), mustFixed[[2]struct {
			A int32
			B int8
		}](t),
		mustFixed[struct {
			A [2]int32
			B int8
		}](t), mustFixed[[8]bool](t),
		mustFixed[rec32](t), mustFixed[padded](t), mustFixed[nested](t), mustFixed[[3]padded](t),
		mustFixed[[1 << 20]byte](t), mustFixed[[1 << 20]bool](t),
	} {
		n := c.Name()
		if len(n) > 32 || !strings.HasPrefix(n, "fixed:") {
			t.Errorf("name %q: want at most 32 bytes starting fixed:", n)
		}
		if other, ok := names[n]; ok {
			t.Errorf("%T and %s share the name %q", c, other, n)
		}
		names[n] = reflect.TypeOf(c).String()
	}
}

// TestFixedZeroAllocs checks the operations a map runs per value.
func TestFixedZeroAllocs(t *testing.T) {
	c := mustFixed[rec32](t)
	v := rec32{ID: 1, Score: 2, OK: true}
	buf := make([]byte, 0, 64)
	enc := aligned(reference(v, binary.LittleEndian))
	var sink rec32
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"append", func() { buf, _ = c.Append(buf[:0], v) }},
		{"decode", func() { sink, _ = c.Decode(enc) }},
		{"view", func() { p, _ := c.(codec.Viewer[rec32]).View(enc); sink = *p }},
	} {
		if tc.name == "view" && !codec.LittleEndian() {
			continue // a copy, on the heap
		}
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", tc.name, n)
		}
	}
	_ = sink
}

// FuzzFixedDecode decodes random bytes as a nested: every call returns, an
// error matches ErrInvalid, and bytes that decode are exactly what Append
// writes for the result, and what View reads.
func FuzzFixedDecode(f *testing.F) {
	c := mustFixed[nested](f)
	size := int(reflect.TypeFor[nested]().Size())
	valid, _ := c.Append(nil, nested{Flags: [3]bool{true}, Z: 1i, lower: 9})
	f.Add(valid)
	f.Add(make([]byte, size))
	f.Add(bytes.Repeat([]byte{0xff}, size))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := c.Decode(b)
		p, verr := c.(codec.Viewer[nested]).View(aligned(b))
		if err != nil {
			if !errors.Is(err, codec.ErrInvalid) || !errors.Is(verr, codec.ErrInvalid) {
				t.Fatalf("Decode error %v, View error %v: want both to match ErrInvalid", err, verr)
			}
			return
		}
		if verr != nil {
			t.Fatalf("Decode succeeds, View fails: %v", verr)
		}
		for _, w := range []nested{v, *p} {
			if enc, _ := c.Append(nil, w); !bytes.Equal(enc, b) {
				t.Fatalf("% x decodes to a value that encodes as % x", b, enc)
			}
		}
	})
}
