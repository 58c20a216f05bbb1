// Package codec turns the keys and values of a map into bytes and back.
//
// A [Codec] appends the encoding of a value to a byte slice, decodes it
// again, and has a Name. A map is created with one codec for its keys and
// one for its values. It stores both names in its file header and refuses
// to open the file with codecs of other names, so the bytes in a file are
// always read the way they were written ([Compatible] gives the one
// exception, for maps from before Msgpack's names held the type). [For]
// picks a codec by type:
//
//	string                    String    "string"
//	[]byte                    Bytes     "bytes"
//	int8 ... uint64, floats   Native    "int8" ... "float64"
//	struct{}                  Empty     "empty"
//	anything else             Msgpack   "msgpack:" + the type's name and hash
//
// [Fixed] is not picked by For: it is made for a type of fixed size without
// pointers, such as a struct of numbers, and stores a value as its memory.
//
// Two optional interfaces let a map find a key without encoding it into a
// buffer: a [Borrower] (String, Bytes) hands out a key's bytes as they are,
// and a [Packer] (Native, Empty) packs a key of up to 8 bytes into a
// uint64. A [Viewer] (Fixed) lets diskmap.ViewAs hand out a value in place,
// as a *T.
//
// # Codecs that wrap codecs
//
// [Sealed] encrypts and authenticates another codec's encoding with a
// cipher.AEAD, and package codec/zstd compresses it; compress first, then
// seal:
//
//	vc := codec.Sealed(zstd.New(codec.For[Doc]()), aead)
//
// A wrapped value is read through Get, which decodes it into a copy; View
// and GetAppend hand out the bytes as stored, sealed or compressed, and
// diskmap.ViewAs does not apply. A wrapper's name holds the inner codec's:
// "sealed(" + inner + ")", "zstd(" + inner + ")" (codec/zstd gives the
// rule, with the dictionary), with the inner name hashed where the whole
// would not fit 32 bytes.
//
// A [KeyBound] codec, as Sealed's is, encodes a value for the key it is
// stored under: a map checks for the interface once, at Open, and then
// hands every encode and decode of a value the encoded key (Get, GetMany,
// iteration, Entry, the calls of sync.Map, Batch, DeleteFunc, Import), so
// that a value moved to another key does not decode. A map of any other
// codec calls Append and Decode as before.
//
// Every codec here is goroutine-safe. Decode never returns a slice or string
// that aliases its input, which usually lies in a memory map.
//
// # Encodings
//
// The encodings below are part of the file format: a file written today must
// read the same way in every later version, so they must never change. A new
// encoding needs a new codec with a new name. An encoding holds no length:
// the map stores the length of every key and value, and Decode is given
// exactly the bytes of one value.
//
// Native[T] uses the natural width of T, little-endian, and is named after
// the type whose bytes it writes:
//
//	name      bytes  types                 layout
//	int8      1      int8                  two's complement
//	int16     2      int16                 two's complement, little-endian
//	int32     4      int32                 two's complement, little-endian
//	int64     8      int64, int            two's complement, little-endian
//	uint8     1      uint8                 binary
//	uint16    2      uint16                little-endian
//	uint32    4      uint32                little-endian
//	uint64    8      uint64, uint          little-endian
//	float32   4      float32               IEEE 754 binary32 bits, little-endian
//	float64   8      float64               IEEE 754 binary64 bits, little-endian
//
// int and uint take 8 bytes on every platform, so their names are "int64"
// and "uint64". Floats keep their exact bits, NaN payloads and negative zero
// included. A type defined on a number type, such as `type Celsius float64`,
// is encoded as that number type, with no allocation. For example, uint16
// 0x1234 is 34 12, int32 -2 is fe ff ff ff, and float64 1 is
// 00 00 00 00 00 00 f0 3f.
//
// String, named "string", writes the bytes of the string as they are,
// whether or not they are UTF-8: "héllo" is 68 c3 a9 6c 6c 6f, and "" is
// nothing.
//
// Bytes, named "bytes", writes the bytes of the slice as they are. nil and
// an empty slice both write nothing, and decode to an empty, non-nil slice.
//
// Empty, named "empty", writes nothing for struct{}{}. It decodes nothing,
// and the byte 80 that Msgpack wrote for struct{}.
//
// Fixed[T], named "fixed:" + size + ":" + hash, writes the memory of T with
// every number little-endian and every padding byte zero: a struct{ A int8;
// B uint16 } of {1, 2} is 01 00 02 00. The hash is the 64-bit FNV-1a of a
// description of T, in 16 hex digits: the size in decimal, ";", then T,
// where a struct is "{" size ";" then offset ":" field for each field,
// separated by ",", then "}"; an array is "[" length "]" element; and a
// number or bool is one of b, i1, i2, i4, i8, u1, u2, u4, u8, f4, f8, c8 and
// c16 (kind and size in bytes). That struct is "4;{4;0:i1,2:u2}", and its
// codec is named "fixed:4:59e557c547ca3696".
//
// Msgpack[T], named "msgpack:" + T's short name + "#" + a hash of T's full
// name (Msgpack's doc gives the rule), writes MessagePack
// (https://github.com/msgpack/msgpack/blob/master/spec.md) as
// github.com/vmihailenco/msgpack/v5 v5.4.1 does with a default Encoder:
//
//   - int8, int16, int32 and int64 as msgpack int 8, 16, 32 and 64, and the
//     unsigned types likewise; int and uint in their shortest form;
//   - float32 and float64 as msgpack float 32 and float 64;
//   - bool as true or false, and a nil pointer, slice, map or interface as nil;
//   - string as str, []byte as bin, other slices and arrays as array;
//   - a struct as a map from field name (or `msgpack` tag name) to value,
//     leaving out `omitempty` fields that are empty;
//   - time.Time as ext type -1.
//
// Then every map, structs included, has its entries put in increasing order
// of the bytes of their encoded keys, and of their encoded values where keys
// are equal, so that equal values have equal encodings. Inner maps are
// ordered first. For example, map[string]int{"b": 1, "aa": 2} is
// 82 a1 62 01 a2 61 61 02: "b" comes first because its str header a1 is
// smaller than a2. Decode accepts maps in any order, but not bytes after the
// value.
package codec
