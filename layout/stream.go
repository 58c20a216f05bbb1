package layout

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// Format constants of the export stream (see Export stream in the package
// doc). They are part of the stream format and must not change without a
// new StreamVersion; the stream's version changes independently of
// Version.
const (
	StreamVersion    = 1  // export stream version written by this package
	StreamHeaderSize = 88 // the stream header: magic to checksum
	StreamHeadSize   = 20 // the fixed part of a record, and the whole end record
	StreamSumSize    = 4  // the checksum after a record's key and value

	StreamKindRecord = 0x01 // a record: a key, its value and its expiry
	StreamKindEnd    = 0x02 // the end record: the number of records before it

	// StreamFlagExpires is set in a record's flags when its key expires.
	StreamFlagExpires = 1 << 0
)

// StreamMagic starts every export stream.
var StreamMagic = [8]byte{'d', 'm', 'e', 'x', 'p', 'o', 'r', 't'}

// Byte offsets of the stream header's fields, and of a record's.
const (
	sMagic      = 0
	sVersion    = 8
	sZero       = 12
	sKeyCodec   = 16
	sValueCodec = 48
	sChecksum   = 80

	rKind   = 0
	rFlags  = 1
	rZero   = 2
	rKeyLen = 4
	rValLen = 8
	rExpiry = 12

	eCount    = 4
	eZero     = 12
	eChecksum = 16
)

// Compile-time checks that the fields fit where the spec puts them.
var (
	_ [sValueCodec - sKeyCodec - MaxCodecName]struct{}
	_ [sChecksum - sValueCodec - MaxCodecName]struct{}
	_ [StreamHeaderSize - sChecksum - 8]struct{}
	_ [StreamHeadSize - rExpiry - 8]struct{}
	_ [StreamHeadSize - eChecksum - StreamSumSize]struct{}
)

// StreamHeader is the decoded form of an export stream's header: the names
// of the codecs of the map it was exported from, as its header holds them.
//
//	offset size field
//	     0    8 magic "dmexport"
//	     8    4 stream version (1)
//	    12    4 zero
//	    16   32 key codec name, zero-padded
//	    48   32 value codec name, zero-padded
//	    80    8 checksum: XXH64, seed 0, of bytes 0..79
type StreamHeader struct {
	KeyCodec, ValueCodec string
}

// Encode returns the header's StreamHeaderSize bytes. Both names must be
// valid (ValidCodecName).
func (h StreamHeader) Encode() []byte {
	b := make([]byte, StreamHeaderSize)
	copy(b[sMagic:], StreamMagic[:])
	binary.LittleEndian.PutUint32(b[sVersion:], StreamVersion)
	copy(b[sKeyCodec:sKeyCodec+MaxCodecName], h.KeyCodec)
	copy(b[sValueCodec:sValueCodec+MaxCodecName], h.ValueCodec)
	binary.LittleEndian.PutUint64(b[sChecksum:], xxhash.Sum64(b[:sChecksum]))
	return b
}

// DecodeStreamHeader decodes the StreamHeaderSize bytes of a stream header:
// it checks the magic, then the version, then the checksum, then the
// fields. Errors are *CorruptError or *VersionError with the offset in b
// and no file name.
func DecodeStreamHeader(b []byte) (StreamHeader, error) {
	if len(b) < StreamHeaderSize {
		return StreamHeader{}, corrupt(int64(len(b)), "stream header", fmt.Sprintf("%d bytes", StreamHeaderSize), fmt.Sprintf("the stream ends after %d", len(b)))
	}
	if !bytes.Equal(b[sMagic:sMagic+8], StreamMagic[:]) {
		return StreamHeader{}, corrupt(sMagic, "stream magic", quoted(StreamMagic[:]), quoted(b[sMagic:sMagic+8]))
	}
	if v := binary.LittleEndian.Uint32(b[sVersion:]); v != StreamVersion {
		return StreamHeader{}, &VersionError{Found: v, Reads: StreamVersion}
	}
	if want, got := xxhash.Sum64(b[:sChecksum]), binary.LittleEndian.Uint64(b[sChecksum:]); want != got {
		return StreamHeader{}, corrupt(sChecksum, "stream header checksum", hex(want), hex(got))
	}
	if z := binary.LittleEndian.Uint32(b[sZero:]); z != 0 {
		return StreamHeader{}, corrupt(sZero, "stream header zero field", 0, z)
	}
	var h StreamHeader
	for _, f := range []struct {
		off  int
		name *string
		what string
	}{{sKeyCodec, &h.KeyCodec, "key codec name"}, {sValueCodec, &h.ValueCodec, "value codec name"}} {
		field := b[f.off : f.off+MaxCodecName]
		name := string(bytes.TrimRight(field, "\x00"))
		if !ValidCodecName(name) {
			return StreamHeader{}, corrupt(int64(f.off), f.what, "1 to 32 bytes, zero-padded", quoted(field))
		}
		*f.name = name
	}
	return h, nil
}

// StreamHead is the decoded fixed part of a record, or the end record.
//
// A record:
//
//	offset   size field
//	     0      1 kind: 0x01
//	     1      1 flags: bit 0 set when the key expires; no other bit
//	     2      2 zero
//	     4      4 key length k, at most MaxKeyLen
//	     8      4 value length v, at most MaxValueLen
//	    12      8 expiry: Unix time in nanoseconds, signed; 0 without bit 0
//	    20      k key, encoded by the key codec
//	  20+k      v value, encoded by the value codec
//	20+k+v      4 checksum: low 32 bits of XXH64, seeded with the record's
//	              number (0 for the first), of bytes 0..19+k+v
//
// The end record:
//
//	offset size field
//	     0    1 kind: 0x02
//	     1    3 zero
//	     4    8 record count n: the records before it
//	    12    4 zero
//	    16    4 checksum: low 32 bits of XXH64, seeded with n, of bytes 0..15
type StreamHead struct {
	Kind     byte
	Expires  bool   // a record whose key expires, at Expiry
	Expiry   int64  // Unix nanoseconds
	KeyLen   int    // a record's key length
	ValueLen int    // a record's value length
	Count    uint64 // the end record's record count
}

// EncodeRecordHead encodes the fixed part of a record of a key of klen
// bytes and a value of vlen bytes, expiring at exp if expires, into b.
func EncodeRecordHead(b *[StreamHeadSize]byte, klen, vlen int, expires bool, exp int64) {
	*b = [StreamHeadSize]byte{}
	b[rKind] = StreamKindRecord
	if expires {
		b[rFlags] = StreamFlagExpires
		binary.LittleEndian.PutUint64(b[rExpiry:], uint64(exp))
	}
	binary.LittleEndian.PutUint32(b[rKeyLen:], uint32(klen))
	binary.LittleEndian.PutUint32(b[rValLen:], uint32(vlen))
}

// EncodeStreamEnd encodes the end record after n records into b.
func EncodeStreamEnd(b *[StreamHeadSize]byte, n uint64) {
	*b = [StreamHeadSize]byte{}
	b[rKind] = StreamKindEnd
	binary.LittleEndian.PutUint64(b[eCount:], n)
	binary.LittleEndian.PutUint32(b[eChecksum:], StreamChecksum(n, b[:eChecksum]))
}

// StreamChecksum returns the checksum of the record numbered i (the end
// record is numbered by the count of records before it) whose bytes before
// the checksum are parts, in order: the low 32 bits of their XXH64 seeded
// with i. The seed ties each record to its place, so that a record moved,
// repeated or dropped does not check.
func StreamChecksum(i uint64, parts ...[]byte) uint32 {
	d := xxhash.NewWithSeed(i)
	for _, p := range parts {
		_, _ = d.Write(p)
	}
	return uint32(d.Sum64())
}

// DecodeStreamHead decodes the fixed part of the record numbered i, or the
// end record after i records, which it checks whole: its checksum and its
// count. A record's checksum is checked once its key and value are read
// (CheckStreamRecord). Offsets in errors are in b.
func DecodeStreamHead(b *[StreamHeadSize]byte, i uint64) (StreamHead, error) {
	switch b[rKind] {
	case StreamKindRecord:
		return decodeRecordHead(b)
	case StreamKindEnd:
		return decodeStreamEnd(b, i)
	}
	return StreamHead{}, corrupt(rKind, "record kind", "0x01 (a record) or 0x02 (the end)", hex(uint64(b[rKind])))
}

func decodeRecordHead(b *[StreamHeadSize]byte) (StreamHead, error) {
	h := StreamHead{
		Kind:     StreamKindRecord,
		Expires:  b[rFlags]&StreamFlagExpires != 0,
		Expiry:   int64(binary.LittleEndian.Uint64(b[rExpiry:])),
		KeyLen:   int(binary.LittleEndian.Uint32(b[rKeyLen:])),
		ValueLen: int(binary.LittleEndian.Uint32(b[rValLen:])),
	}
	switch {
	case b[rFlags]&^StreamFlagExpires != 0:
		return h, corrupt(rFlags, "record flags", "0 or 1", hex(uint64(b[rFlags])))
	case b[rZero] != 0 || b[rZero+1] != 0:
		return h, corrupt(rZero, "record zero field", 0, quoted(b[rZero:rKeyLen]))
	case uint32(h.KeyLen) > MaxKeyLen:
		return h, corrupt(rKeyLen, "record key length", fmt.Sprintf("at most %d", MaxKeyLen), uint32(h.KeyLen))
	case uint32(h.ValueLen) > MaxValueLen:
		return h, corrupt(rValLen, "record value length", fmt.Sprintf("at most %d", MaxValueLen), uint32(h.ValueLen))
	case !h.Expires && h.Expiry != 0:
		return h, corrupt(rExpiry, "record expiry", "0 for a key that does not expire", h.Expiry)
	}
	return h, nil
}

func decodeStreamEnd(b *[StreamHeadSize]byte, i uint64) (StreamHead, error) {
	h := StreamHead{Kind: StreamKindEnd, Count: binary.LittleEndian.Uint64(b[eCount:])}
	if want, got := StreamChecksum(i, b[:eChecksum]), binary.LittleEndian.Uint32(b[eChecksum:]); want != got {
		return h, corrupt(eChecksum, "end record checksum", hex(uint64(want)), hex(uint64(got)))
	}
	switch {
	case b[1] != 0 || b[2] != 0 || b[3] != 0 || binary.LittleEndian.Uint32(b[eZero:]) != 0:
		return h, corrupt(1, "end record zero fields", "zeros", quoted(b[:eChecksum]))
	case h.Count != i:
		return h, corrupt(eCount, "end record count", fmt.Sprintf("%d, the records before it", i), h.Count)
	}
	return h, nil
}

// CheckStreamRecord checks the checksum of the record numbered i, whose
// fixed part is head, key key, value value, against sum, the 4 bytes after
// them. The error's offset is that of the checksum in the record.
func CheckStreamRecord(i uint64, head *[StreamHeadSize]byte, key, value []byte, sum [StreamSumSize]byte) error {
	want, got := StreamChecksum(i, head[:], key, value), binary.LittleEndian.Uint32(sum[:])
	if want != got {
		return corrupt(int64(StreamHeadSize+len(key)+len(value)), "record checksum", hex(uint64(want)), hex(uint64(got)))
	}
	return nil
}
