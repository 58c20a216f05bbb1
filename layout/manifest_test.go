package layout_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// The manifest sizes in the spec are the sizes in the code.
func TestManifestSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"ManifestHeaderSize", layout.ManifestHeaderSize, 128},
		{"ShardSeedSize", layout.ShardSeedSize, 8},
		{"MaxShards", layout.MaxShards, 1024},
		{"MaxManifestSize", layout.MaxManifestSize, 8320},
		{"ManifestVersion", layout.ManifestVersion, 1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

func sampleManifest() layout.Manifest {
	return layout.Manifest{
		Seed: 0x1122334455667788, KeyCodec: "string", ValueCodec: "uint64",
		Shards: []uint64{0xa1, 0xb2, 0xc3, 0xd4},
	}
}

// manifestChecksum is the manifest's checksum, written out again from the
// spec: XXH64 of the whole file with bytes 120..127 zero.
func manifestChecksum(b []byte) uint64 {
	c := bytes.Clone(b)
	clear(c[120:128])
	return xxhash.Sum64(c)
}

// TestManifestEncode reads an encoded manifest as the spec lays it out, and
// decodes it again.
func TestManifestEncode(t *testing.T) {
	mf := sampleManifest()
	b := mf.Encode()
	le := binary.LittleEndian
	switch {
	case len(b) != 128+8*4:
		t.Fatalf("manifest of 4 shards: %d bytes, want %d", len(b), 128+8*4)
	case string(b[0:8]) != "dmshards":
		t.Errorf("magic %q", b[0:8])
	case le.Uint32(b[8:]) != 1:
		t.Errorf("version %d", le.Uint32(b[8:]))
	case le.Uint32(b[12:]) != 0:
		t.Errorf("flags %#x in a complete manifest", le.Uint32(b[12:]))
	case le.Uint32(b[16:]) != 4:
		t.Errorf("shard count %d", le.Uint32(b[16:]))
	case le.Uint64(b[24:]) != mf.Seed:
		t.Errorf("seed of the shard hash %#x", le.Uint64(b[24:]))
	case string(bytes.TrimRight(b[32:64], "\x00")) != "string" || string(bytes.TrimRight(b[64:96], "\x00")) != "uint64":
		t.Errorf("codecs %q and %q", b[32:64], b[64:96])
	case le.Uint64(b[120:]) != manifestChecksum(b):
		t.Errorf("checksum %#x, want %#x", le.Uint64(b[120:]), manifestChecksum(b))
	case !bytes.Equal(b[20:24], make([]byte, 4)) || !bytes.Equal(b[96:120], make([]byte, 24)):
		t.Errorf("reserved bytes not zero")
	}
	for i, want := range mf.Shards {
		if got := le.Uint64(b[128+8*i:]); got != want {
			t.Errorf("shard seed %d at offset %d: %#x, want %#x", i, 128+8*i, got, want)
		}
	}
	got, err := layout.DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Creating() || got.Seed != mf.Seed || got.KeyCodec != mf.KeyCodec || got.ValueCodec != mf.ValueCodec ||
		!slices.Equal(got.Shards, mf.Shards) {
		t.Errorf("decoded %+v\nwant %+v", got, mf)
	}
}

// TestManifestCreating: flag bit 0 marks a creation cut short, with zero
// shard seeds.
func TestManifestCreating(t *testing.T) {
	mf := layout.Manifest{Flags: layout.ManifestFlagCreating, KeyCodec: "bytes", ValueCodec: "bytes", Shards: make([]uint64, 2)}
	b := mf.Encode()
	if b[12] != 1 {
		t.Fatalf("flags byte %#x, want bit 0 set", b[12])
	}
	got, err := layout.DecodeManifest(b)
	if err != nil || !got.Creating() || len(got.Shards) != 2 {
		t.Fatalf("decoded %+v, %v; want a creating manifest of 2 shards", got, err)
	}
}

// TestManifestShardKey: flag bit 1 records that keys have a shard key, and
// is kept with bit 0 or without it.
func TestManifestShardKey(t *testing.T) {
	for _, flags := range []uint32{layout.ManifestFlagShardKey, layout.ManifestFlagShardKey | layout.ManifestFlagCreating} {
		mf := layout.Manifest{Flags: flags, KeyCodec: "bytes", ValueCodec: "bytes", Shards: make([]uint64, 2)}
		b := mf.Encode()
		if b[12] != byte(flags) || b[12]&2 == 0 {
			t.Fatalf("flags byte %#x, want %#x with bit 1 set", b[12], flags)
		}
		got, err := layout.DecodeManifest(b)
		if err != nil || !got.ShardKey() || got.Creating() != mf.Creating() {
			t.Fatalf("decoded %+v, %v; want flags %#x", got, err, flags)
		}
	}
	plain := layout.Manifest{KeyCodec: "bytes", ValueCodec: "bytes", Shards: make([]uint64, 2)}
	if got, err := layout.DecodeManifest(plain.Encode()); err != nil || got.ShardKey() {
		t.Fatalf("decoded %+v, %v; want no shard key", got, err)
	}
}

// TestManifestDecodeErrors: decoding checks the size, then magic, then
// version, then checksum, then the fields, each with its own error and
// offset.
func TestManifestDecodeErrors(t *testing.T) {
	enc := func(edit func(b []byte) []byte, fix bool) []byte {
		mf := sampleManifest()
		b := edit(mf.Encode())
		if fix {
			binary.LittleEndian.PutUint64(b[120:], manifestChecksum(b))
		}
		return b
	}
	for _, c := range []struct {
		name   string
		b      []byte
		want   error
		offset int64
		field  string
	}{
		{"empty", nil, layout.ErrCorrupt, 0, "manifest size"},
		{"truncated in the header", enc(func(b []byte) []byte { return b[:100] }, false), layout.ErrCorrupt, 0, "manifest size"},
		{"huge", enc(func(b []byte) []byte { return append(b, make([]byte, 1<<14)...) }, false), layout.ErrCorrupt, 0, "manifest size"},
		{"magic", enc(func(b []byte) []byte { b[0] = 'D'; return b }, true), layout.ErrCorrupt, 0, "manifest magic"},
		{"version", enc(func(b []byte) []byte { b[8] = 2; return b }, true), layout.ErrVersion, -1, ""},
		{"checksum", enc(func(b []byte) []byte { b[120] ^= 1; return b }, false), layout.ErrCorrupt, 120, "manifest checksum"},
		{"bit flip in the seed", enc(func(b []byte) []byte { b[24] ^= 1; return b }, false), layout.ErrCorrupt, 120, "manifest checksum"},
		{"bit flip in a shard seed", enc(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }, false), layout.ErrCorrupt, 120, "manifest checksum"},
		{"unknown flag", enc(func(b []byte) []byte { b[12] |= 4; return b }, true), layout.ErrCorrupt, 12, "manifest flags"},
		{"shard count zero", enc(func(b []byte) []byte { b[16] = 0; return b }, true), layout.ErrCorrupt, 16, "manifest shard count"},
		{"shard count not a power of two", enc(func(b []byte) []byte { b[16] = 3; return b }, true), layout.ErrCorrupt, 16, "manifest shard count"},
		{"shard count over MaxShards", enc(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 2048); return b }, true), layout.ErrCorrupt, 16, "manifest shard count"},
		{"shard count other than the size", enc(func(b []byte) []byte { b[16] = 8; return b }, true), layout.ErrCorrupt, 0, "manifest size"},
		{"truncated in the shard seeds", enc(func(b []byte) []byte { return b[:len(b)-8] }, true), layout.ErrCorrupt, 0, "manifest size"},
		{"bytes appended", enc(func(b []byte) []byte { return append(b, make([]byte, 8)...) }, true), layout.ErrCorrupt, 0, "manifest size"},
		{"zero bytes after the count", enc(func(b []byte) []byte { b[21] = 1; return b }, true), layout.ErrCorrupt, 20, "manifest reserved bytes"},
		{"reserved bytes", enc(func(b []byte) []byte { b[100] = 1; return b }, true), layout.ErrCorrupt, 96, "manifest reserved bytes"},
		{"no key codec", enc(func(b []byte) []byte { clear(b[32:64]); return b }, true), layout.ErrCorrupt, 32, "manifest key codec"},
		{"no value codec", enc(func(b []byte) []byte { clear(b[64:96]); return b }, true), layout.ErrCorrupt, 64, "manifest value codec"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := layout.DecodeManifest(c.b)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			err = format.At(err, "/x/manifest", 0)
			if !strings.Contains(err.Error(), "/x/manifest") || strings.Count(err.Error(), "diskmap: ") != 1 {
				t.Errorf("message %q: want it to name /x/manifest, with one prefix", err)
			}
			var ce *layout.CorruptError
			if c.offset >= 0 && (!errors.As(err, &ce) || ce.Offset != c.offset || ce.Field != c.field) {
				t.Fatalf("err = %#v, want %s at offset %d", err, c.field, c.offset)
			}
		})
	}
}

// TestManifestVersionError: a manifest of another version is refused with
// the manifest's version, not the buckets file's.
func TestManifestVersionError(t *testing.T) {
	mf := sampleManifest()
	b := mf.Encode()
	b[8] = 7
	binary.LittleEndian.PutUint64(b[120:], manifestChecksum(b))
	_, err := layout.DecodeManifest(b)
	err = format.At(err, "/x/manifest", 0)
	var ve *layout.VersionError
	if !errors.As(err, &ve) || ve.Found != 7 || ve.Reads != layout.ManifestVersion || ve.File != "/x/manifest" {
		t.Fatalf("err = %#v, want a VersionError of /x/manifest, found 7, reads %d", err, layout.ManifestVersion)
	}
	if want := "diskmap: /x/manifest: format version 7, this build reads version 1"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	other := &layout.VersionError{File: "f", Found: 1, Reads: 9}
	if want := "diskmap: f: format version 1, this build reads version 9"; other.Error() != want {
		t.Errorf("message %q, want %q", other, want)
	}
	// Without Reads, the error is about a buckets file, whose versions
	// MinVersion to Version are read.
	buckets := &layout.VersionError{File: "b", Found: 7}
	if want := fmt.Sprintf("diskmap: b: format version 7, this build reads versions %d to %d", layout.MinVersion, layout.Version); buckets.Error() != want {
		t.Errorf("message %q, want %q", buckets, want)
	}
}

// TestShardOf: a key's shard is the low log2(n) bits of its shard hash.
func TestShardOf(t *testing.T) {
	for _, c := range []struct {
		hash uint64
		n    int
		want int
	}{
		{0xffff_ffff_ffff_ffff, 1, 0},
		{0x8000_0000_0000_0005, 4, 1},
		{0x8000_0000_0000_0005, 8, 5},
		{0x0123_4567_89ab_cdef, 1024, 0x1ef},
	} {
		if got := layout.ShardOf(c.hash, c.n); got != c.want {
			t.Errorf("ShardOf(%#x, %d) = %d, want %d", c.hash, c.n, got, c.want)
		}
	}
}

// TestSeedOffset: the offset SeedOffset gives for the copy ReadMeta picks
// holds that copy's seed.
func TestSeedOffset(t *testing.T) {
	meta := make([]byte, layout.MetaSize)
	h := sampleHeader()
	cur := 1
	for range 2 {
		h.Seed++
		cur = format.WriteMeta(meta, &h, cur)
		_, got, err := layout.ReadMeta(meta)
		if err != nil || got != cur {
			t.Fatalf("ReadMeta: copy %d, %v; want copy %d", got, err, cur)
		}
		if seed := binary.LittleEndian.Uint64(meta[layout.SeedOffset(cur):]); seed != h.Seed {
			t.Errorf("copy %d: %#x at offset %d, want the seed %#x", cur, seed, layout.SeedOffset(cur), h.Seed)
		}
	}
}

// concurrentGolden is a sharded map written by the first version of the
// manifest, kept beside the tests of package concurrent.
const concurrentGolden = "../concurrent/testdata/v1"

// TestManifestGoldenV1 decodes the first version's manifest, and finds in
// it the seeds of its shards' buckets headers.
func TestManifestGoldenV1(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(concurrentGolden, "manifest"))
	must(t, err)
	mf, err := layout.DecodeManifest(b)
	must(t, err)
	if mf.Creating() || len(mf.Shards) != 2 || mf.KeyCodec != "string" || mf.ValueCodec != "string" {
		t.Fatalf("golden manifest %+v, want a complete one of 2 shards of strings", mf)
	}
	for i, want := range mf.Shards {
		buckets, err := os.ReadFile(filepath.Join(concurrentGolden, fmt.Sprintf("shard-%04d", i), "buckets"))
		must(t, err)
		h, _, err := layout.ReadMeta(buckets)
		must(t, err)
		if h.Seed != want {
			t.Errorf("shard %d: header seed %#x, manifest %#x", i, h.Seed, want)
		}
	}
}
