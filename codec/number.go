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

// The layout of T is worked out from arithmetic on T alone, which sees
// through defined types and allocates nothing. Once T is known each of the
// functions below is a constant, and each is small enough to inline, so that
// the compiler folds them away: Native pays nothing for them at run time.

// isFloat reports whether T is a floating-point type, where 1/2 is not 0.
func isFloat[T Number]() bool {
	half := T(1)
	half /= 2
	return half != 0
}

// isFloat32 reports whether T is float32, where 1/3 is rounded to fewer bits
// than a float64 holds.
func isFloat32[T Number]() bool {
	third := T(1)
	third /= 3
	return isFloat[T]() && float64(third) != 1.0/3
}

// isSigned reports whether T is signed, where 0-1 is below 0.
func isSigned[T Number]() bool {
	minus := T(0)
	minus--
	return minus < 0
}

// intSize returns the encoded width in bytes of the integer type T: 1, 2 or
// 4 when 1<<8, 1<<16 or 1<<32 wraps to 0 in T, and otherwise 8, as for int
// and uint on every platform. Callers check isFloat first.
func intSize[T Number]() int {
	b8 := T(1) * 16 * 16 // 1<<8
	b16 := b8 * 16 * 16
	b32 := b16 * 16 * 16 * 16 * 16
	switch {
	case b8 == 0:
		return 1
	case b16 == 0:
		return 2
	case b32 == 0 && !isPlatformInt[T]():
		return 4
	}
	return 8
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
	switch {
	case isFloat32[T]():
		return "float32"
	case isFloat[T]():
		return "float64"
	case isSigned[T]():
		return [...]string{1: "int8", 2: "int16", 4: "int32", 8: "int64"}[intSize[T]()]
	default:
		return [...]string{1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64"}[intSize[T]()]
	}
}

// Pack returns the encoding of v as the first n bytes of word, little-endian;
// the rest of word is zero. n is the encoded width of T.
func (Native[T]) Pack(v T) (word uint64, n int) {
	switch {
	case isFloat32[T]():
		return uint64(math.Float32bits(float32(v))), 4
	case isFloat[T]():
		return math.Float64bits(float64(v)), 8
	}
	n = intSize[T]()
	if n == 8 {
		return uint64(v), 8
	}
	return uint64(v) & (1<<(8*n) - 1), n
}

// Append appends the encoding of v to dst. It never fails.
func (Native[T]) Append(dst []byte, v T) ([]byte, error) {
	le := binary.LittleEndian
	switch {
	case isFloat32[T]():
		return le.AppendUint32(dst, math.Float32bits(float32(v))), nil
	case isFloat[T]():
		return le.AppendUint64(dst, math.Float64bits(float64(v))), nil
	}
	switch intSize[T]() {
	case 1:
		return append(dst, byte(v)), nil
	case 2:
		return le.AppendUint16(dst, uint16(v)), nil
	case 4:
		return le.AppendUint32(dst, uint32(v)), nil
	}
	return le.AppendUint64(dst, uint64(v)), nil
}

// Decode returns the number encoded in b. It fails if b is not exactly the
// width of T, or on a 32-bit platform if an int or uint does not fit.
func (c Native[T]) Decode(b []byte) (T, error) {
	switch {
	case isFloat32[T]():
		if len(b) != 4 {
			return 0, c.lengthError(b)
		}
		return T(math.Float32frombits(binary.LittleEndian.Uint32(b))), nil
	case isFloat[T]():
		if len(b) != 8 {
			return 0, c.lengthError(b)
		}
		return T(math.Float64frombits(binary.LittleEndian.Uint64(b))), nil
	}
	n := intSize[T]()
	if len(b) != n {
		return 0, c.lengthError(b)
	}
	switch n {
	case 1:
		return T(b[0]), nil // two's complement: the conversion keeps the bits
	case 2:
		return T(binary.LittleEndian.Uint16(b)), nil
	case 4:
		return T(binary.LittleEndian.Uint32(b)), nil
	}
	word := binary.LittleEndian.Uint64(b)
	if v := T(word); uint64(v) == word {
		return v, nil
	}
	return 0, c.overflowError(word)
}

// lengthError returns the error for b, which is not the width of T.
func (c Native[T]) lengthError(b []byte) error {
	_, n := c.Pack(0)
	return invalidf(c.Name(), "want %d bytes, got %d", n, len(b))
}

// overflowError returns the error for an 8-byte integer that T cannot hold,
// which happens only for an int or uint on a 32-bit platform.
func (c Native[T]) overflowError(word uint64) error {
	if isSigned[T]() {
		return invalidf(c.Name(), "%d overflows int", int64(word))
	}
	return invalidf(c.Name(), "%d overflows uint", word)
}
