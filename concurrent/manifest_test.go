package concurrent_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/layout"
)

var update = flag.Bool("update", false, "rewrite the golden map in testdata")

// TestManifestLayout reads a new map's manifest as the package
// documentation lays it out.
func TestManifestLayout(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, uint64](t, dir, shards(8))
	b, err := os.ReadFile(filepath.Join(dir, "manifest"))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	switch {
	case len(b) != 128+8*8:
		t.Fatalf("manifest of 8 shards: %d bytes, want %d", len(b), 128+8*8)
	case string(b[0:8]) != "dmshards":
		t.Errorf("magic %q", b[0:8])
	case le.Uint32(b[8:]) != 1:
		t.Errorf("version %d", le.Uint32(b[8:]))
	case le.Uint32(b[12:]) != 0:
		t.Errorf("flags %#x in a complete manifest", le.Uint32(b[12:]))
	case le.Uint32(b[16:]) != 8:
		t.Errorf("shard count %d", le.Uint32(b[16:]))
	case string(bytes.TrimRight(b[32:64], "\x00")) != "string" || string(bytes.TrimRight(b[64:96], "\x00")) != "uint64":
		t.Errorf("codecs %q and %q", b[32:64], b[64:96])
	case le.Uint64(b[120:]) != manifestChecksum(b):
		t.Errorf("checksum %#x, want %#x", le.Uint64(b[120:]), manifestChecksum(b))
	case !bytes.Equal(b[20:24], make([]byte, 4)) || !bytes.Equal(b[96:120], make([]byte, 24)):
		t.Errorf("reserved bytes not zero")
	}
	for i := range 8 {
		buckets, err := os.ReadFile(filepath.Join(shardDir(dir, i), "buckets"))
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := layout.ReadMeta(buckets[:layout.MetaSize])
		if err != nil {
			t.Fatal(err)
		}
		if got := le.Uint64(b[128+8*i:]); got != h.Seed {
			t.Errorf("shard seed %d in the manifest: %#x; the shard's header has %#x", i, got, h.Seed)
		}
	}
	_ = m
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
	dir := t.TempDir()
	m := openMap[string, string](t, dir, shards(4))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	markCreating(t, dir)
	removeAll(t, shardDir(dir, 3))

	_, err := concurrent.Open[string, string](dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	if !errors.Is(err, diskmap.ErrReadOnly) {
		t.Errorf("read-only Open of a map being created: %v, want ErrReadOnly", err)
	}
	m = openMap[string, string](t, dir, shards(2))
	if n := len(m.Stats().Shards); n != 4 {
		t.Errorf("%d shards, want the 4 recorded", n)
	}
	want := fill(t, m, 100)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = openMap[string, string](t, dir, nil)
	requireContents(t, m, want)
}

// TestCreationWithKeys: a manifest marked as being created beside shards
// that hold keys is corrupt: no Open of it ever returned.
func TestCreationWithKeys(t *testing.T) {
	dir := t.TempDir()
	writeSample(t, dir, 1)
	markCreating(t, dir)
	_, err := concurrent.Open[string, string](dir, nil)
	if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), shardDir(dir, 0)) {
		t.Errorf("Open: %v; want ErrCorrupt naming shard 0", err)
	}
}

// TestGolden opens a map written by the first version of this package,
// kept in testdata/v1: every later version must read it.
func TestGolden(t *testing.T) {
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
	cloneDir(t, golden, dir)
	m := openMap[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	requireContents(t, m, want)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = openMap[string, string](t, dir, nil)
	requireContents(t, m, want)
}
