package layout

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// Format constants of the manifest of a sharded map (see Sharded maps in the
// package doc). They are part of the file format and must not change
// without a new ManifestVersion.
const (
	ManifestVersion    = 1    // manifest format version written by this package
	ManifestHeaderSize = 128  // bytes before the table of shard seeds
	ShardSeedSize      = 8    // bytes per entry of that table
	MaxShards          = 1024 // largest shard count

	// MaxManifestSize is the size of a manifest of MaxShards shards.
	MaxManifestSize = ManifestHeaderSize + MaxShards*ShardSeedSize

	// ManifestFlagCreating is set in Manifest.Flags while the map's shards
	// are being created; their seeds are not recorded yet.
	ManifestFlagCreating = 1 << 0

	// ManifestFlagShardKey is set in Manifest.Flags if the map's shard hash
	// is of a part of each encoded key, its shard key, that a function
	// given at Open picks, rather than of the whole encoded key. The
	// function is not recorded; that one was given is.
	ManifestFlagShardKey = 1 << 1

	// manifestFlags are the flags a manifest may have.
	manifestFlags = ManifestFlagCreating | ManifestFlagShardKey
)

// ManifestMagic starts every manifest.
var ManifestMagic = [8]byte{'d', 'm', 's', 'h', 'a', 'r', 'd', 's'}

// Byte offsets of the manifest fields.
const (
	mMagic      = 0
	mVersion    = 8
	mFlags      = 12
	mShards     = 16
	mZero       = 20
	mSeed       = 24
	mKeyCodec   = 32
	mValueCodec = 64
	mReserved   = 96
	mChecksum   = 120
)

// Compile-time checks that the fields fit where the spec puts them.
var (
	_ [mValueCodec - mKeyCodec - MaxCodecName]struct{}
	_ [mReserved - mValueCodec - MaxCodecName]struct{}
	_ [ManifestHeaderSize - mChecksum - 8]struct{}
)

// Manifest is the decoded form of the manifest of a sharded map.
//
//	offset size field
//	     0    8 magic "dmshards"
//	     8    4 version (1)
//	    12    4 flags: bit 0 set while the map is being created,
//	               bit 1 set if the shard hash is of a shard key
//	    16    4 shard count n: a power of two, 1 to 1024
//	    20    4 zero
//	    24    8 seed of the shard hash
//	    32   32 key codec name, zero-padded
//	    64   32 value codec name, zero-padded
//	    96   24 zero
//	   120    8 checksum: XXH64 of the file with these 8 bytes zero
//	   128   8n shard seed of shard i, i = 0..n-1
type Manifest struct {
	Flags      uint32
	Seed       uint64 // seeds the shard hash, which picks a key's shard
	KeyCodec   string
	ValueCodec string
	Shards     []uint64 // per shard, the hash seed in its buckets header
}

// Creating reports whether the map's creation has not finished.
func (mf *Manifest) Creating() bool { return mf.Flags&ManifestFlagCreating != 0 }

// ShardKey reports whether the shard hash is of a part of each encoded key
// (see ManifestFlagShardKey).
func (mf *Manifest) ShardKey() bool { return mf.Flags&ManifestFlagShardKey != 0 }

// Encode returns the manifest's bytes, checksum included. The codec names
// must be at most MaxCodecName bytes (ValidCodecName checks them).
func (mf *Manifest) Encode() []byte {
	b := make([]byte, ManifestHeaderSize+ShardSeedSize*len(mf.Shards))
	le := binary.LittleEndian
	copy(b[mMagic:], ManifestMagic[:])
	le.PutUint32(b[mVersion:], ManifestVersion)
	le.PutUint32(b[mFlags:], mf.Flags)
	le.PutUint32(b[mShards:], uint32(len(mf.Shards)))
	le.PutUint64(b[mSeed:], mf.Seed)
	copy(b[mKeyCodec:mKeyCodec+MaxCodecName], mf.KeyCodec)
	copy(b[mValueCodec:mValueCodec+MaxCodecName], mf.ValueCodec)
	for i, s := range mf.Shards {
		le.PutUint64(b[ManifestHeaderSize+ShardSeedSize*i:], s)
	}
	le.PutUint64(b[mChecksum:], manifestChecksum(b))
	return b
}

// manifestChecksum returns XXH64 of b with its checksum field taken as zero.
func manifestChecksum(b []byte) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.Write(b[:mChecksum])
	d.Write(make([]byte, 8))
	d.Write(b[mChecksum+8:])
	return d.Sum64()
}

// DecodeManifest decodes the whole of a manifest file. It checks the size,
// then magic, then version, then checksum, then that every field is in
// range. Offsets in its errors are relative to b; File is left empty for
// the caller to fill in.
func DecodeManifest(b []byte) (Manifest, error) {
	if err := checkManifestFrame(b); err != nil {
		return Manifest{}, err
	}
	le := binary.LittleEndian
	mf := Manifest{
		Flags:      le.Uint32(b[mFlags:]),
		Seed:       le.Uint64(b[mSeed:]),
		KeyCodec:   cstring(b[mKeyCodec : mKeyCodec+MaxCodecName]),
		ValueCodec: cstring(b[mValueCodec : mValueCodec+MaxCodecName]),
	}
	n := le.Uint32(b[mShards:])
	if err := mf.validate(b, n); err != nil {
		return mf, err
	}
	mf.Shards = make([]uint64, n)
	for i := range mf.Shards {
		mf.Shards[i] = le.Uint64(b[ManifestHeaderSize+ShardSeedSize*i:])
	}
	return mf, nil
}

// checkManifestFrame checks what must hold before any field is read: the
// size bounds, the magic, the version and the checksum.
func checkManifestFrame(b []byte) error {
	le := binary.LittleEndian
	switch {
	case len(b) < ManifestHeaderSize || len(b) > MaxManifestSize:
		return corrupt(0, "manifest size", fmt.Sprintf("%d to %d bytes", ManifestHeaderSize, MaxManifestSize), len(b))
	case !bytes.Equal(b[mMagic:mMagic+8], ManifestMagic[:]):
		return corrupt(mMagic, "manifest magic", string(ManifestMagic[:]), quoted(b[mMagic:mMagic+8]))
	case le.Uint32(b[mVersion:]) != ManifestVersion:
		return &VersionError{Found: le.Uint32(b[mVersion:]), Reads: ManifestVersion}
	case le.Uint64(b[mChecksum:]) != manifestChecksum(b):
		return corrupt(mChecksum, "manifest checksum", hex(manifestChecksum(b)), hex(le.Uint64(b[mChecksum:])))
	}
	return nil
}

// validate checks the fields of a manifest decoded from b, whose shard
// count field holds n.
func (mf *Manifest) validate(b []byte, n uint32) error {
	switch {
	case mf.Flags&^manifestFlags != 0:
		return corrupt(mFlags, "manifest flags", nil, hex(uint64(mf.Flags)))
	case n == 0 || n > MaxShards || n&(n-1) != 0:
		return corrupt(mShards, "manifest shard count", fmt.Sprintf("a power of two from 1 to %d", MaxShards), n)
	case len(b) != ManifestHeaderSize+ShardSeedSize*int(n):
		return corrupt(0, "manifest size", ManifestHeaderSize+ShardSeedSize*int(n), len(b))
	case !allZero(b[mZero:mSeed]):
		return corrupt(mZero, "manifest reserved bytes", "zero", "other bytes")
	case !allZero(b[mReserved:mChecksum]):
		return corrupt(mReserved, "manifest reserved bytes", "zero", "other bytes")
	case !ValidCodecName(mf.KeyCodec):
		return corrupt(mKeyCodec, "manifest key codec", "a name", "none")
	case !ValidCodecName(mf.ValueCodec):
		return corrupt(mValueCodec, "manifest value codec", "a name", "none")
	}
	return nil
}

// ShardOf returns the shard, of a map of n shards (a power of two), that
// holds a key whose shard hash is hash: the hash's low log2(n) bits.
func ShardOf(hash uint64, n int) int { return int(hash & uint64(n-1)) }

// SeedOffset returns the offset in a buckets file of the hash seed of
// header copy cur (0 or 1, as ReadMeta returns it).
func SeedOffset(cur int) int64 { return int64(cur)*HeaderCopyOffset + hSeed }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
