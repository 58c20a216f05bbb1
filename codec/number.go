package codec

import (
	"encoding/binary"
	"math"
	"reflect"
	"strconv"
)

// Number is the set of types Native encodes: every integer and floating-point
// type except uintptr, and every type defined on one of them, such as
// `type Celsius float64`.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64
}

// Native encodes a number in its natural width, little-endian:
//
//	int8, uint8                        1 byte
//	int16, uint16                      2 bytes, little-endian
//	int32, uint32                      4 bytes, little-endian
//	int64, uint64, int, uint           8 bytes, little-endian
//	float32                            4 bytes, IEEE 754 bits, little-endian
//	float64                            8 bytes, IEEE 754 bits, little-endian
//
// Signed integers are two's complement. int and uint take 8 bytes on every
// platform, so a file moves between 32- and 64-bit machines; on a 32-bit
// machine Decode fails for a value that does not fit. Floats keep their exact
// bits, NaN payloads and negative zero included.
//
// A type defined on a number type is encoded as that type: Native[Celsius]
// for `type Celsius float64` is Native[float64] under another name.
//
// The zero value is ready to use and goroutine-safe. Native implements
// Packer, and allocates nothing to append into a slice with room to spare,
// to pack or to decode.
type Native[T Number] struct{}

// form is how Native lays out one number type.
type form struct {
	size   int  // encoded width in bytes: 1, 2, 4 or 8
	float  bool // IEEE 754 bits rather than a two's complement integer
	signed bool // a signed integer
}

// formOf works out the form of T from arithmetic on T alone, which sees
// through defined types and allocates nothing. Once T is known every step is
// constant, so the compiler folds the whole call away.
func formOf[T Number]() form {
	half, third, minus, one := T(1), T(1), T(0), T(1)
	half /= 2  // 0 for an integer, 0.5 for a float
	third /= 3 // rounded to float32 precision in a float32
	minus--    // -1 when signed, the maximum value when unsigned

	if half != 0 {
		if float64(third) != 1.0/3 {
			return form{size: 4, float: true}
		}
		return form{size: 8, float: true}
	}

	f := form{size: 8, signed: minus < 0}
	b8 := one * 16 * 16 // 1<<8, which wraps to 0 in a 1-byte integer
	b16 := b8 * 16 * 16
	b32 := b16 * 16 * 16 * 16 * 16
	switch {
	case b8 == 0:
		f.size = 1
	case b16 == 0:
		f.size = 2
	case b32 == 0 && !isPlatformInt[T]():
		f.size = 4
	}
	return f
}

// isPlatformInt reports whether T is int or uint (or defined on one) on a
// 32-bit platform, where it has the arithmetic of an int32 or uint32 but is
// stored in 8 bytes. On 64-bit platforms it is constant false.
func isPlatformInt[T Number]() bool {
	if strconv.IntSize == 64 {
		return false
	}
	k := reflect.TypeFor[T]().Kind()
	return k == reflect.Int || k == reflect.Uint
}

// Name returns the name of T's encoding: "int8", "int16", "int32", "int64",
// "uint8", "uint16", "uint32", "uint64", "float32" or "float64". Since int and
// uint are stored as 8 bytes their names are "int64" and "uint64".
func (Native[T]) Name() string {
	f := formOf[T]()
	switch {
	case f.float && f.size == 4:
		return "float32"
	case f.float:
		return "float64"
	case f.signed:
		return [...]string{1: "int8", 2: "int16", 4: "int32", 8: "int64"}[f.size]
	default:
		return [...]string{1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64"}[f.size]
	}
}

// Pack returns the encoding of v as the first n bytes of word, little-endian;
// the rest of word is zero. n is the encoded width of T.
func (Native[T]) Pack(v T) (word uint64, n int) {
	f := formOf[T]()
	switch {
	case f.float && f.size == 4:
		return uint64(math.Float32bits(float32(v))), 4
	case f.float:
		return math.Float64bits(float64(v)), 8
	case f.size == 8:
		return uint64(v), 8
	default:
		return uint64(v) & (1<<(8*f.size) - 1), f.size
	}
}

// Append appends the encoding of v to dst. It never fails.
func (c Native[T]) Append(dst []byte, v T) ([]byte, error) {
	word, n := c.Pack(v)
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], word)
	return append(dst, buf[:n]...), nil
}

// Decode returns the number encoded in b. It fails if b is not exactly the
// width of T, or on a 32-bit platform if an int or uint does not fit.
func (c Native[T]) Decode(b []byte) (T, error) {
	f := formOf[T]()
	if len(b) != f.size {
		return 0, invalidf(c.Name(), "want %d bytes, got %d", f.size, len(b))
	}
	var word uint64
	switch f.size {
	case 1:
		word = uint64(b[0])
	case 2:
		word = uint64(binary.LittleEndian.Uint16(b))
	case 4:
		word = uint64(binary.LittleEndian.Uint32(b))
	default:
		word = binary.LittleEndian.Uint64(b)
	}
	return c.unpack(f, word)
}

// unpack turns the first f.size bytes of word back into a T.
func (c Native[T]) unpack(f form, word uint64) (T, error) {
	switch {
	case f.float && f.size == 4:
		return T(math.Float32frombits(uint32(word))), nil
	case f.float:
		return T(math.Float64frombits(word)), nil
	}
	v := T(word) // narrower integers take their low bytes, sign included
	if f.size == 8 && uint64(v) != word {
		// Only an int or uint on a 32-bit platform loses bits here.
		if f.signed {
			return 0, invalidf(c.Name(), "%d overflows int", int64(word))
		}
		return 0, invalidf(c.Name(), "%d overflows uint", word)
	}
	return v, nil
}
