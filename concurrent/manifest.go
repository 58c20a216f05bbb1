package concurrent

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Format constants of the manifest. They are part of the file format and
// must not change without a new manifestVersion.
const (
	manifestVersion    = 1
	manifestHeaderSize = 128 // bytes before the table of shard seeds
	shardSeedSize      = 8   // bytes per entry of that table

	// flagCreating is set in the manifest's flags while Open creates the
	// map's shards; their seeds are not recorded yet.
	flagCreating = 1 << 0

	// headerSeedOffset is where the hash seed lies in a header copy of a
	// shard's buckets file (see package layout, Header).
	headerSeedOffset = 24
)

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
	_ [mValueCodec - mKeyCodec - layout.MaxCodecName]struct{}
	_ [mReserved - mValueCodec - layout.MaxCodecName]struct{}
	_ [manifestHeaderSize - mChecksum - 8]struct{}
)

// manifestMagic starts every manifest.
var manifestMagic = [8]byte{'d', 'm', 's', 'h', 'a', 'r', 'd', 's'}

// maxManifestSize is the size of a manifest of MaxShards shards.
const maxManifestSize = manifestHeaderSize + MaxShards*shardSeedSize

// manifest is the decoded form of the manifest file:
//
//	offset size field
//	     0    8 magic "dmshards"
//	     8    4 version (1)
//	    12    4 flags: bit 0 set while the map is being created
//	    16    4 shard count n: a power of two, 1 to 1024
//	    20    4 zero
//	    24    8 seed of the shard hash
//	    32   32 key codec name, zero-padded
//	    64   32 value codec name, zero-padded
//	    96   24 zero
//	   120    8 checksum: XXH64 of the file with these 8 bytes zero
//	   128   8n hash seed of the map in shard i's directory, i = 0..n-1
type manifest struct {
	Flags      uint32
	Seed       uint64 // seeds the hash that picks a key's shard
	KeyCodec   string
	ValueCodec string
	Shards     []uint64 // per shard, the hash seed in its buckets header
}

func (mf *manifest) creating() bool { return mf.Flags&flagCreating != 0 }

// encode returns the manifest's bytes, checksum included.
func (mf *manifest) encode() []byte {
	b := make([]byte, manifestHeaderSize+shardSeedSize*len(mf.Shards))
	le := binary.LittleEndian
	copy(b[mMagic:], manifestMagic[:])
	le.PutUint32(b[mVersion:], manifestVersion)
	le.PutUint32(b[mFlags:], mf.Flags)
	le.PutUint32(b[mShards:], uint32(len(mf.Shards)))
	le.PutUint64(b[mSeed:], mf.Seed)
	copy(b[mKeyCodec:mKeyCodec+layout.MaxCodecName], mf.KeyCodec)
	copy(b[mValueCodec:mValueCodec+layout.MaxCodecName], mf.ValueCodec)
	for i, s := range mf.Shards {
		le.PutUint64(b[manifestHeaderSize+shardSeedSize*i:], s)
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

// decodeManifest decodes the manifest b read from path. It checks the
// size, then magic, then version, then checksum, then that every field is
// in range; errors name path.
func decodeManifest(path string, b []byte) (manifest, error) {
	bad := func(off int, field string, expected, found any) error {
		return &diskmap.CorruptError{File: path, Offset: int64(off), Field: field, Expected: expected, Found: found}
	}
	le := binary.LittleEndian
	switch {
	case len(b) < manifestHeaderSize || len(b) > maxManifestSize:
		return manifest{}, bad(0, "manifest size", fmt.Sprintf("%d to %d bytes", manifestHeaderSize, maxManifestSize), len(b))
	case !bytes.Equal(b[mMagic:mMagic+8], manifestMagic[:]):
		return manifest{}, bad(mMagic, "manifest magic", string(manifestMagic[:]), fmt.Sprintf("%q", b[mMagic:mMagic+8]))
	case le.Uint32(b[mVersion:]) != manifestVersion:
		return manifest{}, fmt.Errorf("concurrent: %s: manifest version %d, this build reads version %d: %w",
			path, le.Uint32(b[mVersion:]), manifestVersion, diskmap.ErrVersion)
	case le.Uint64(b[mChecksum:]) != manifestChecksum(b):
		return manifest{}, bad(mChecksum, "manifest checksum", hexa(manifestChecksum(b)), hexa(le.Uint64(b[mChecksum:])))
	}
	mf := manifest{
		Flags:      le.Uint32(b[mFlags:]),
		Seed:       le.Uint64(b[mSeed:]),
		KeyCodec:   cstring(b[mKeyCodec : mKeyCodec+layout.MaxCodecName]),
		ValueCodec: cstring(b[mValueCodec : mValueCodec+layout.MaxCodecName]),
	}
	n := le.Uint32(b[mShards:])
	switch {
	case mf.Flags&^flagCreating != 0:
		return mf, bad(mFlags, "manifest flags", nil, hexa(uint64(mf.Flags)))
	case n == 0 || n > MaxShards || n&(n-1) != 0:
		return mf, bad(mShards, "manifest shard count", fmt.Sprintf("a power of two from 1 to %d", MaxShards), n)
	case len(b) != manifestHeaderSize+shardSeedSize*int(n):
		return mf, bad(0, "manifest size", manifestHeaderSize+shardSeedSize*int(n), len(b))
	case !allZero(b[mZero:mSeed]) || !allZero(b[mReserved:mChecksum]):
		return mf, bad(mReserved, "manifest reserved bytes", "zero", "other bytes")
	case !layout.ValidCodecName(mf.KeyCodec):
		return mf, bad(mKeyCodec, "manifest key codec", "a name", "none")
	case !layout.ValidCodecName(mf.ValueCodec):
		return mf, bad(mValueCodec, "manifest value codec", "a name", "none")
	}
	mf.Shards = make([]uint64, n)
	for i := range mf.Shards {
		mf.Shards[i] = le.Uint64(b[manifestHeaderSize+shardSeedSize*i:])
	}
	return mf, nil
}

// readManifest reads and decodes the manifest at path. A missing file is
// an error matching fs.ErrNotExist.
func readManifest(path string) (manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return manifest{}, fmt.Errorf("concurrent: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: closing loses nothing
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return manifest{}, &diskmap.CorruptError{File: path, Field: "file", Expected: "a regular file", Found: "mode " + st.Mode().String()}
	}
	b, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return manifest{}, fmt.Errorf("concurrent: reading %s: %w", path, err)
	}
	return decodeManifest(path, b)
}

// writeManifest writes mf to path: to a file beside it first, synced, then
// renamed over it, and the directory synced.
func writeManifest(path string, mf *manifest) error {
	tmp := path + ".new"
	err := writeSynced(tmp, mf.encode())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = mmap.SyncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("concurrent: writing %s: %w", path, err)
	}
	return nil
}

// writeSynced creates the file path holding b and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = mmap.Sync(f)
	}
	return errors.Join(err, f.Close())
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func hexa(v uint64) string { return fmt.Sprintf("%#x", v) }
