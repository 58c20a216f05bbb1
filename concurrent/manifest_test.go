package concurrent_test

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

var update = flag.Bool("update", false, "rewrite the golden map in testdata")

// TestManifestOfNewMap: a new map's manifest (package layout specifies its
// bytes) is complete, holds the shard count and codec names, and records
// the seed of each shard's buckets header.
func TestManifestOfNewMap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	maptest.OpenSharded[string, uint64](t, dir, shards(8))
	b, err := os.ReadFile(filepath.Join(dir, "manifest"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := layout.DecodeManifest(b)
	switch {
	case err != nil:
		t.Fatal(err)
	case mf.Creating():
		t.Errorf("flags %#x in a complete manifest", mf.Flags)
	case len(mf.Shards) != 8:
		t.Fatalf("shard count %d, want 8", len(mf.Shards))
	case mf.KeyCodec != "string" || mf.ValueCodec != "uint64":
		t.Errorf("codecs %q and %q", mf.KeyCodec, mf.ValueCodec)
	}
	for i, want := range mf.Shards {
		buckets, err := os.ReadFile(filepath.Join(shardDir(dir, i), "buckets"))
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := layout.ReadMeta(buckets[:layout.MetaSize])
		if err != nil {
			t.Fatal(err)
		}
		if h.Seed != want {
			t.Errorf("shard seed %d in the manifest: %#x; the shard's header has %#x", i, want, h.Seed)
		}
	}
}

// markCreating turns the complete manifest in dir back into one of a
// creation cut short.
func markCreating(t *testing.T, dir string) {
	t.Helper()
	editManifest(t, dir, true, func(b []byte) []byte {
		b[12] |= 1
		clear(b[128:])
		return b
	})
}

// TestCreationCutShort: a creation that stopped before the last shard and
// the final manifest is finished by the next Open for writing; a reader
// cannot open it.
func TestCreationCutShort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(4))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	markCreating(t, dir)
	removeAll(t, shardDir(dir, 3))

	_, err := concurrent.Open[string, string](dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	if !errors.Is(err, diskmap.ErrReadOnly) {
		t.Errorf("read-only Open of a map being created: %v, want ErrReadOnly", err)
	}
	m = maptest.OpenSharded[string, string](t, dir, shards(2))
	if n := len(m.Stats().Shards); n != 4 {
		t.Errorf("%d shards, want the 4 recorded", n)
	}
	want := fill(t, m, 100)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.OpenSharded[string, string](t, dir, nil)
	maptest.RequireContents(t, m, want)
}

// TestCreationWithKeys: a manifest marked as being created beside shards
// that hold keys is corrupt: no Open of it ever returned.
func TestCreationWithKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	maptest.WriteShardedSample(t, dir, 1)
	markCreating(t, dir)
	_, err := concurrent.Open[string, string](dir, nil)
	if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), shardDir(dir, 0)) {
		t.Errorf("Open: %v; want ErrCorrupt naming shard 0", err)
	}
}

// TestGolden opens a map written by the first version of this package,
// kept in testdata/v1: every later version must read it.
func TestGolden(t *testing.T) {
	t.Parallel()
	golden := filepath.Join("testdata", "v1")
	want := map[string]string{}
	for i := range 40 {
		want[key(i)] = strings.Repeat("v", i)
	}
	if *update {
		removeAll(t, golden)
		m, err := concurrent.Open[string, string](golden, &concurrent.Options{Shards: 2, Map: diskmap.Options{Capacity: 8, KeyBytes: 1, ValueBytes: 1}})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range want {
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "v1")
	maptest.CloneDir(t, golden, dir)
	m := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	maptest.RequireContents(t, m, want)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.OpenSharded[string, string](t, dir, nil)
	maptest.RequireContents(t, m, want)
}

// TestShardSeedMismatchOffset: a shard directory from another map is
// reported at the offset of the seed in its buckets file, which holds the
// seed the error found.
func TestShardSeedMismatchOffset(t *testing.T) {
	t.Parallel()
	dir, foreign := filepath.Join(t.TempDir(), "map"), filepath.Join(t.TempDir(), "foreign")
	maptest.WriteShardedSample(t, dir, 1)
	maptest.WriteShardedSample(t, foreign, 2)
	removeAll(t, shardDir(dir, 1))
	maptest.CloneDir(t, shardDir(foreign, 1), shardDir(dir, 1))

	_, err := concurrent.Open[string, string](dir, nil)
	var ce *diskmap.CorruptError
	if !errors.As(err, &ce) || ce.Field != "shard seed" {
		t.Fatalf("Open: %v; want a corrupt shard seed", err)
	}
	buckets, err := os.ReadFile(filepath.Join(shardDir(dir, 1), "buckets"))
	if err != nil {
		t.Fatal(err)
	}
	h, cur, err := layout.ReadMeta(buckets)
	if err != nil {
		t.Fatal(err)
	}
	if want := layout.SeedOffset(cur); ce.Offset != want || ce.Offset != int64(cur)*512+24 {
		t.Errorf("offset %d, want %d: the seed of header copy %d", ce.Offset, want, cur)
	}
	if got := binary.LittleEndian.Uint64(buckets[ce.Offset:]); fmt.Sprintf("%#x", got) != ce.Found || got != h.Seed {
		t.Errorf("bytes at offset %d hold %#x; the error found %v", ce.Offset, got, ce.Found)
	}
}

// The map's own files and its shards' go through the FS of its options:
// with the rename of the manifest, or of a new shard's table, refused, a
// new map's Open fails naming that file, and leaves no manifest behind.
func TestOpenMakesFileOperationsThroughItsFS(t *testing.T) {
	t.Parallel()
	for _, stuck := range []string{"manifest.new", "buckets.grow"} {
		t.Run(stuck, func(t *testing.T) {
			dir := t.TempDir()
			fs := &maptest.RenameFails{FS: mmap.OS{}, From: stuck}
			m, err := concurrent.Open[string, string](dir, concurrent.WithFiles(shards(2), fs))
			if err == nil {
				_ = m.Close() // the test fails either way
				t.Fatalf("Open succeeded with the rename of %s refused", stuck)
			}
			if !strings.Contains(err.Error(), stuck) {
				t.Errorf("Open with the rename of %s refused: %v, want it named", stuck, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "manifest")); err == nil {
				t.Errorf("the failed Open left a manifest")
			}
		})
	}
}
