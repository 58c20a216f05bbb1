package codec

import (
	"errors"
	"fmt"
	"strings"
)

// Codec turns values of type T into bytes and back.
//
// A Codec must be stateless, or at least safe for concurrent use: a map calls
// one Codec from many goroutines at once. Every codec in this package is an
// empty struct and is goroutine-safe.
type Codec[T any] interface {
	// Append appends the encoding of v to dst and returns the extended slice.
	// On error it returns dst as it was.
	Append(dst []byte, v T) ([]byte, error)

	// Decode returns the value encoded in b, which must be exactly one
	// encoding. The result never aliases b: b usually lies in a memory map
	// that may be remapped or unmapped, and the result must stay valid.
	Decode(b []byte) (T, error)

	// Name returns the stable name of the encoding, at most 32 bytes long.
	// A map stores it in its file header and refuses to open the file with
	// a codec of another name.
	Name() string
}

// Borrower is implemented by codecs whose encoding of a value is the value's
// own bytes, as for String and Bytes. A map uses it to hash and compare a key
// without encoding it into a buffer first.
type Borrower[T any] interface {
	// Borrow returns the encoding of v without copying it. The caller must
	// not modify the result, and must not keep it longer than v.
	Borrow(v T) []byte
}

// Packer is implemented by codecs whose encoding is at most 8 bytes long, as
// for Native. A map uses it to hash and compare a key in a register.
type Packer[T any] interface {
	// Pack returns the encoding of v as the first n bytes of word in
	// little-endian order. The bytes of word beyond the first n are zero.
	Pack(v T) (word uint64, n int)
}

// Compatible reports whether a codec named name reads the maps whose header
// names the codec stored: when the names are equal, and when stored is
// "msgpack", the name of every Msgpack codec before names held the type,
// and name is that of a Msgpack codec (it starts "msgpack:") or of Empty,
// which reads the maps of struct{} that Msgpack wrote. Opening a map checks
// its codecs with it.
func Compatible(stored, name string) bool {
	if stored == name {
		return true
	}
	return stored == legacyMsgpack && (strings.HasPrefix(name, msgpackPrefix) || name == Empty{}.Name())
}

// ErrInvalid is returned, wrapped, by Decode when the bytes are not an
// encoding of a value of the codec's type: the wrong length for Native,
// Fixed or Empty, a bool byte other than 0 or 1 or a padding byte other
// than 0 for Fixed, or malformed or mismatched MessagePack for Msgpack.
// Match it with errors.Is.
var ErrInvalid = errors.New("codec: invalid encoding")

// Compile-time checks that each codec implements what its doc promises.
var (
	_ Codec[string]    = String{}
	_ Borrower[string] = String{}
	_ Codec[[]byte]    = Bytes{}
	_ Borrower[[]byte] = Bytes{}
	_ Codec[int64]     = Native[int64]{}
	_ Packer[int64]    = Native[int64]{}
	_ Codec[any]       = Msgpack[any]{}
	_ Codec[struct{}]  = Empty{}
	_ Packer[struct{}] = Empty{}
	_ Codec[int64]     = (*fixed[int64])(nil)
	_ Viewer[int64]    = (*fixed[int64])(nil)
)

// For returns the codec this package picks for T:
//
//   - String for string;
//   - Bytes for []byte;
//   - Native[T] for int, int8, int16, int32, int64, uint, uint8, uint16,
//     uint32, uint64, float32 and float64;
//   - Empty for struct{};
//   - Msgpack[T] for every other type.
//
// Only those exact types are matched: a defined type such as
// `type Celsius float64` or `type ID string` gets Msgpack. Name Native[Celsius]
// explicitly to store it in 8 bytes.
func For[T any]() Codec[T] {
	var c any
	switch any((*T)(nil)).(type) {
	case *string:
		c = String{}
	case *[]byte:
		c = Bytes{}
	case *int:
		c = Native[int]{}
	case *int8:
		c = Native[int8]{}
	case *int16:
		c = Native[int16]{}
	case *int32:
		c = Native[int32]{}
	case *int64:
		c = Native[int64]{}
	case *uint:
		c = Native[uint]{}
	case *uint8:
		c = Native[uint8]{}
	case *uint16:
		c = Native[uint16]{}
	case *uint32:
		c = Native[uint32]{}
	case *uint64:
		c = Native[uint64]{}
	case *float32:
		c = Native[float32]{}
	case *float64:
		c = Native[float64]{}
	case *struct{}:
		c = Empty{}
	default:
		return Msgpack[T]{}
	}
	return c.(Codec[T])
}

// codecError is an error from a codec. It reads "codec: <name>: <msg>", and
// one from Decode matches ErrInvalid under errors.Is.
type codecError struct {
	codec   string // the Name of the codec that failed
	msg     string // what was wrong, without the "codec: <name>: " prefix
	err     error  // the underlying error, if any
	invalid bool   // the error is about bytes given to Decode
}

// invalidf returns the error Decode of codec returns for bytes it cannot decode.
func invalidf(codec, format string, args ...any) error {
	return &codecError{codec: codec, msg: fmt.Sprintf(format, args...), invalid: true}
}

func (e *codecError) Error() string { return "codec: " + e.codec + ": " + e.msg }

// Is reports whether e is an error from Decode and target is ErrInvalid.
func (e *codecError) Is(target error) bool { return e.invalid && target == ErrInvalid }

// Unwrap returns the underlying error, such as the one from msgpack.
func (e *codecError) Unwrap() error { return e.err }
