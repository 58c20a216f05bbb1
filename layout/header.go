package layout

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/cespare/xxhash/v2"
)

// Format constants of the buckets file. They are part of the file format and
// must not change without a new Version.
const (
	Version          = 3    // format version written by this package
	MinVersion       = 1    // oldest format version read (see Versions in the package doc)
	LogHeaderVersion = 2    // first format version whose log has a file header
	MetaSize         = 4096 // bytes before the slot table: two header copies
	HeaderSize       = 256  // bytes of one header copy
	HeaderCopyOffset = 512  // offset of the second copy (its own disk sector)
	MaxCodecName     = 32   // longest codec name

	MinLog2 = 4  // smallest table: 16 slots
	MaxLog2 = 32 // largest table: 2^32 slots

	// FlagDirty is set in Header.Flags while a writer has the map open.
	FlagDirty = 1 << 0
	// FlagWAL is set with FlagDirty when the writer logs every mutation to
	// the write-ahead log and changes buckets only at checkpoints.
	FlagWAL = 1 << 1
)

// Magic starts every header copy.
var Magic = [8]byte{'d', 'i', 's', 'k', 'm', 'a', 'p', 0}

// Byte offsets of the header fields.
const (
	hMagic       = 0
	hVersion     = 8
	hFlags       = 12
	hSeq         = 16
	hSeed        = 24
	hGeneration  = 32
	hLog2        = 40
	hCount       = 48
	hTombstones  = 56
	hKeysEnd     = 64
	hValuesEnd   = 72
	hKeysLive    = 80
	hValuesLive  = 88
	hResizes     = 96
	hCompactions = 104
	hCheckpoint  = 112
	hKeyCodec    = 120
	hValueCodec  = 152
	hReserved    = 184
	hChecksum    = 248
)

// Compile-time checks that the fields fit where the spec puts them.
var (
	_ [HeaderSize - hChecksum - 8]struct{}
	_ [hKeyCodec + MaxCodecName - hValueCodec]struct{}
	_ [hValueCodec + MaxCodecName - hReserved]struct{}
	_ [HeaderCopyOffset - HeaderSize]struct{}
	_ [MetaSize - HeaderCopyOffset - HeaderSize]struct{}
)

// Header is the decoded form of a buckets header.
//
//	offset size field
//	     0    8 magic "diskmap\x00"
//	     8    4 version (MinVersion to Version)
//	    12    4 flags
//	    16    8 sequence number
//	    24    8 hash seed
//	    32    8 generation
//	    40    1 log2 of the slot count, then 7 zero bytes
//	    48    8 live keys
//	    56    8 tombstones
//	    64    8 keys arena end
//	    72    8 values arena end
//	    80    8 live key bytes
//	    88    8 live value bytes
//	    96    8 resizes
//	   104    8 compactions
//	   112    8 checkpoint
//	   120   32 key codec name
//	   152   32 value codec name
//	   184   64 zero
//	   248    8 checksum of bytes 0..247
type Header struct {
	Version     uint32 // format version, as read and as Encode writes it
	Flags       uint32
	Seq         uint64
	Seed        uint64
	Generation  uint64
	Log2        uint8
	Count       uint64
	Tombstones  uint64
	KeysEnd     uint64
	ValuesEnd   uint64
	KeysLive    uint64
	ValuesLive  uint64
	Resizes     uint64
	Compactions uint64
	Checkpoint  uint64
	KeyCodec    string
	ValueCodec  string
}

// Slots returns the number of slots in the table.
func (h *Header) Slots() uint64 { return 1 << h.Log2 }

// TableSize returns the size the buckets file must have.
func (h *Header) TableSize() int64 { return MetaSize + int64(h.Slots())*SlotSize }

// Dirty reports whether the map was not closed cleanly.
func (h *Header) Dirty() bool { return h.Flags&FlagDirty != 0 }

// Encode writes h into b[:HeaderSize], checksum included. The codec names
// must be at most MaxCodecName bytes (ValidCodecName checks them).
func (h *Header) Encode(b []byte) {
	b = b[:HeaderSize:HeaderSize]
	clear(b)
	le := binary.LittleEndian
	copy(b[hMagic:], Magic[:])
	le.PutUint32(b[hVersion:], h.Version)
	le.PutUint32(b[hFlags:], h.Flags)
	le.PutUint64(b[hSeq:], h.Seq)
	le.PutUint64(b[hSeed:], h.Seed)
	le.PutUint64(b[hGeneration:], h.Generation)
	b[hLog2] = h.Log2
	le.PutUint64(b[hCount:], h.Count)
	le.PutUint64(b[hTombstones:], h.Tombstones)
	le.PutUint64(b[hKeysEnd:], h.KeysEnd)
	le.PutUint64(b[hValuesEnd:], h.ValuesEnd)
	le.PutUint64(b[hKeysLive:], h.KeysLive)
	le.PutUint64(b[hValuesLive:], h.ValuesLive)
	le.PutUint64(b[hResizes:], h.Resizes)
	le.PutUint64(b[hCompactions:], h.Compactions)
	le.PutUint64(b[hCheckpoint:], h.Checkpoint)
	copy(b[hKeyCodec:hKeyCodec+MaxCodecName], h.KeyCodec)
	copy(b[hValueCodec:hValueCodec+MaxCodecName], h.ValueCodec)
	le.PutUint64(b[hChecksum:], xxhash.Sum64(b[:hChecksum]))
}

// DecodeHeader decodes one header copy, checking magic, then version, then
// checksum, then that every field is in range. Offsets in its errors are
// relative to b.
func DecodeHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderSize {
		return h, corrupt(int64(len(b)), "header", "at least 256 bytes", len(b))
	}
	le := binary.LittleEndian
	if !bytes.Equal(b[hMagic:hMagic+8], Magic[:]) {
		return h, corrupt(hMagic, "header magic", string(Magic[:7]), quoted(b[hMagic:hMagic+8]))
	}
	v := le.Uint32(b[hVersion:])
	if v < MinVersion || v > Version {
		return h, &VersionError{Found: v}
	}
	if sum, want := le.Uint64(b[hChecksum:]), xxhash.Sum64(b[:hChecksum]); sum != want {
		return h, corrupt(hChecksum, "header checksum", hex(want), hex(sum))
	}
	h = Header{
		Version:     v,
		Flags:       le.Uint32(b[hFlags:]),
		Seq:         le.Uint64(b[hSeq:]),
		Seed:        le.Uint64(b[hSeed:]),
		Generation:  le.Uint64(b[hGeneration:]),
		Log2:        b[hLog2],
		Count:       le.Uint64(b[hCount:]),
		Tombstones:  le.Uint64(b[hTombstones:]),
		KeysEnd:     le.Uint64(b[hKeysEnd:]),
		ValuesEnd:   le.Uint64(b[hValuesEnd:]),
		KeysLive:    le.Uint64(b[hKeysLive:]),
		ValuesLive:  le.Uint64(b[hValuesLive:]),
		Resizes:     le.Uint64(b[hResizes:]),
		Compactions: le.Uint64(b[hCompactions:]),
		Checkpoint:  le.Uint64(b[hCheckpoint:]),
		KeyCodec:    cstring(b[hKeyCodec : hKeyCodec+MaxCodecName]),
		ValueCodec:  cstring(b[hValueCodec : hValueCodec+MaxCodecName]),
	}
	return h, h.validate()
}

// validate checks the ranges of a decoded header's fields. Each field is
// checked on its own before any sum or difference of fields is, so that no
// check can wrap around.
func (h *Header) validate() error {
	switch {
	case h.Flags&^(FlagDirty|FlagWAL) != 0:
		return corrupt(hFlags, "header flags", nil, hex(uint64(h.Flags)))
	case h.Seq == math.MaxUint64: // the next write would wrap to 0 and lose
		return corrupt(hSeq, "header sequence number", "below 2^64-1", h.Seq)
	case h.Log2 < MinLog2 || h.Log2 > MaxLog2:
		return corrupt(hLog2, "header table size", "log2 in 4..32", h.Log2)
	case h.Count > h.Slots():
		return corrupt(hCount, "header key count", fmt.Sprintf("at most the slot count, %d", h.Slots()), h.Count)
	case h.Tombstones > h.Slots():
		return corrupt(hTombstones, "header tombstone count", fmt.Sprintf("at most the slot count, %d", h.Slots()), h.Tombstones)
	case h.Count+h.Tombstones > h.Slots():
		return corrupt(hCount, "header key count", fmt.Sprintf("at most the slot count %d less %d tombstones", h.Slots(), h.Tombstones), h.Count)
	case !validEnd(h.KeysEnd):
		return corrupt(hKeysEnd, "header keys end", nil, h.KeysEnd)
	case !validEnd(h.ValuesEnd):
		return corrupt(hValuesEnd, "header values end", nil, h.ValuesEnd)
	case !validLive(h.KeysLive, h.KeysEnd):
		return corrupt(hKeysLive, "header live key bytes", liveBound(h.KeysEnd), h.KeysLive)
	case !validLive(h.ValuesLive, h.ValuesEnd):
		return corrupt(hValuesLive, "header live value bytes", liveBound(h.ValuesEnd), h.ValuesLive)
	case h.Checkpoint == math.MaxUint64: // the next frame would be numbered 0
		return corrupt(hCheckpoint, "header checkpoint", "below 2^64-1", h.Checkpoint)
	case !ValidCodecName(h.KeyCodec):
		return corrupt(hKeyCodec, "header key codec", "a name", "none")
	case !ValidCodecName(h.ValueCodec):
		return corrupt(hValueCodec, "header value codec", "a name", "none")
	}
	return nil
}

// validEnd reports whether end can be the end of an arena: past its
// header, within MaxArenaSize, aligned.
func validEnd(end uint64) bool {
	return end >= ArenaHeaderSize && end <= MaxArenaSize && end%Align == 0
}

// validLive reports whether live can be the live bytes of an arena that
// ends at end (a valid end): records are aligned and lie past the header.
func validLive(live, end uint64) bool {
	return live <= end-ArenaHeaderSize && live%Align == 0
}

func liveBound(end uint64) string {
	return fmt.Sprintf("a multiple of %d, at most %d (the end less the arena header)", Align, end-ArenaHeaderSize)
}

// ReadMeta decodes both header copies of a buckets file's first MetaSize
// bytes and returns the valid one with the higher sequence number, and which
// copy it was (0 or 1). When neither is valid it returns the first copy's
// error.
func ReadMeta(meta []byte) (Header, int, error) {
	if len(meta) < MetaSize {
		return Header{}, 0, corrupt(int64(len(meta)), "buckets size", "at least 4096 bytes", len(meta))
	}
	h0, err0 := DecodeHeader(meta[:HeaderSize])
	h1, err1 := DecodeHeader(meta[HeaderCopyOffset : HeaderCopyOffset+HeaderSize])
	switch {
	case err0 == nil && (err1 != nil || h0.Seq >= h1.Seq):
		return h0, 0, nil
	case err1 == nil:
		return h1, 1, nil
	}
	return Header{}, 0, err0
}

// ValidCodecName reports whether name can be stored in a header.
func ValidCodecName(name string) bool {
	return name != "" && len(name) <= MaxCodecName && bytes.IndexByte([]byte(name), 0) < 0
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
