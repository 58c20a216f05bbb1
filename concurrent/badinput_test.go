package concurrent_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// The tests in this file damage a sample map in the ways a file system, a
// person or another program might, and check that Open says what is wrong
// and where, does not panic, and writes nothing.

// editManifest edits the manifest of the map in dir and, if fix, sets its
// checksum to match, so that the edit is seen by the field checks.
func editManifest(t testing.TB, dir string, fix bool, edit func([]byte) []byte) {
	t.Helper()
	maptest.EditFile(t, dir, "manifest", func(b []byte) []byte {
		b = edit(b)
		if fix {
			binary.LittleEndian.PutUint64(b[120:], manifestChecksum(b))
		}
		return b
	})
}

// manifestChecksum is the checksum of the manifest format, written out
// again from the package documentation.
func manifestChecksum(b []byte) uint64 {
	c := append([]byte(nil), b...)
	clear(c[120:128])
	return xxhash.Sum64(c)
}

func shardDir(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("shard-%04d", i)) }

func removeAll(t testing.TB, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}

// A badOpenCase damages the sample map in dir (foreign is another map of
// the same shape) and says what Open must report, and which file (a path
// relative to the map's directory) the message must name.
type badOpenCase struct {
	name   string
	want   error
	file   string
	damage func(t *testing.T, dir, foreign string)
}

var badOpenCases = []badOpenCase{
	{name: "manifest missing", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) { removeAll(t, filepath.Join(dir, "manifest")) }},
	{name: "manifest empty", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "manifest", func([]byte) []byte { return nil })
		}},
	{name: "manifest truncated in the header", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "manifest", func(b []byte) []byte { return b[:100] })
		}},
	{name: "manifest truncated in the shard seeds", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "manifest", func(b []byte) []byte { return b[:len(b)-8] })
		}},
	{name: "manifest with bytes appended", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "manifest", func(b []byte) []byte { return append(b, make([]byte, 8)...) })
		}},
	{name: "manifest of another program", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "manifest", func(b []byte) []byte { return []byte(strings.Repeat("not a manifest ", 20)) })
		}},
	{name: "manifest huge", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, dir, "manifest", func(b []byte) []byte { return append(b, make([]byte, 1<<20)...) })
		}},
	{name: "manifest magic", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { b[0] = 'D'; return b })
		}},
	{name: "manifest of version 2", want: diskmap.ErrVersion, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { b[8] = 2; return b })
		}},
	{name: "manifest checksum", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, false, func(b []byte) []byte { b[120] ^= 1; return b })
		}},
	{name: "manifest bit flip in the seed of the shard hash", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, false, func(b []byte) []byte { b[24] ^= 1; return b })
		}},
	{name: "manifest bit flip in a shard seed", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, false, func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b })
		}},
	{name: "manifest unknown flag", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { b[12] |= 4; return b })
		}},
	{name: "manifest shard count not a power of two", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { b[16] = 3; return b })
		}},
	{name: "manifest shard count zero", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { b[16] = 0; return b })
		}},
	{name: "manifest shard count other than its size", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { b[16] = 8; return b })
		}},
	{name: "manifest reserved bytes", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { b[100] = 1; return b })
		}},
	{name: "manifest without a key codec", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { clear(b[32:64]); return b })
		}},
	{name: "manifest is a directory", want: diskmap.ErrCorrupt, file: "manifest",
		damage: func(t *testing.T, dir, _ string) {
			removeAll(t, filepath.Join(dir, "manifest"))
			if err := os.Mkdir(filepath.Join(dir, "manifest"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	{name: "shard seed recorded for another shard", want: diskmap.ErrCorrupt, file: "shard-0001/buckets",
		damage: func(t *testing.T, dir, _ string) {
			editManifest(t, dir, true, func(b []byte) []byte { copy(b[136:144], b[128:136]); return b })
		}},
	{name: "shard directory missing", want: diskmap.ErrCorrupt, file: "shard-0002",
		damage: func(t *testing.T, dir, _ string) { removeAll(t, shardDir(dir, 2)) }},
	{name: "last shard directory missing", want: diskmap.ErrCorrupt, file: "shard-0003",
		damage: func(t *testing.T, dir, _ string) { removeAll(t, shardDir(dir, 3)) }},
	{name: "shard directory is a file", want: diskmap.ErrCorrupt, file: "shard-0002",
		damage: func(t *testing.T, dir, _ string) {
			removeAll(t, shardDir(dir, 2))
			if err := os.WriteFile(shardDir(dir, 2), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	{name: "shard directory empty", want: diskmap.ErrCorrupt, file: "shard-0001/buckets",
		damage: func(t *testing.T, dir, _ string) {
			removeAll(t, shardDir(dir, 1))
			if err := os.Mkdir(shardDir(dir, 1), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	{name: "shard directory of another map", want: diskmap.ErrCorrupt, file: "shard-0001/buckets",
		damage: func(t *testing.T, dir, foreign string) {
			removeAll(t, shardDir(dir, 1))
			maptest.CloneDir(t, shardDir(foreign, 1), shardDir(dir, 1))
		}},
	{name: "shard directories swapped", want: diskmap.ErrCorrupt, file: "shard-0000/buckets",
		damage: func(t *testing.T, dir, _ string) {
			tmp := filepath.Join(dir, "tmp")
			for _, mv := range [][2]string{{shardDir(dir, 0), tmp}, {shardDir(dir, 3), shardDir(dir, 0)}, {tmp, shardDir(dir, 3)}} {
				if err := os.Rename(mv[0], mv[1]); err != nil {
					t.Fatal(err)
				}
			}
		}},
	{name: "shard buckets missing", want: diskmap.ErrCorrupt, file: "shard-0002/buckets",
		damage: func(t *testing.T, dir, _ string) { removeAll(t, filepath.Join(shardDir(dir, 2), "buckets")) }},
	{name: "shard buckets truncated", want: diskmap.ErrCorrupt, file: "shard-0002/buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, shardDir(dir, 2), "buckets", func(b []byte) []byte { return b[:100] })
		}},
	{name: "shard buckets headers damaged", want: diskmap.ErrCorrupt, file: "shard-0002/buckets",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, shardDir(dir, 2), "buckets", func(b []byte) []byte { b[0], b[512] = 'X', 'X'; return b })
		}},
	{name: "shard keys damaged", want: diskmap.ErrCorrupt, file: "shard-0003/keys",
		damage: func(t *testing.T, dir, _ string) {
			maptest.EditFile(t, shardDir(dir, 3), "keys", func(b []byte) []byte { b[0] = 'X'; return b })
		}},
	{name: "shard values missing", want: diskmap.ErrCorrupt, file: "shard-0003/values",
		damage: func(t *testing.T, dir, _ string) { removeAll(t, filepath.Join(shardDir(dir, 3), "values")) }},
}

// TestBadInputOpen damages a sample map, closed cleanly or not, in each of
// the ways of badOpenCases and opens it for writing and for reading: Open
// must return the case's error naming the damaged file, must not panic, and
// must change no file.
func TestBadInputOpen(t *testing.T) {
	t.Parallel()
	samples := maptest.WriteShardedSamples(t, 1)
	foreign := filepath.Join(t.TempDir(), "foreign")
	maptest.WriteShardedSample(t, foreign, 2)

	for _, state := range []string{"clean", "dirty"} {
		for _, c := range badOpenCases {
			for _, ro := range []bool{false, true} {
				name := state + "/" + c.name
				if ro {
					name += "/read-only"
				}
				t.Run(name, func(t *testing.T) {
					dir := maptest.CopyOf(t, samples[state])
					c.damage(t, dir, foreign)
					before := maptest.DirFiles(t, dir)

					m, err := maptest.OpenShardedCatching[string, string](dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: ro}})
					if err == nil {
						_ = m.Close()
						t.Fatalf("Open succeeded, want an error matching %v", c.want)
					}
					want := c.want
					if ro && c.name == "manifest missing" {
						want = fs.ErrNotExist // nothing to create when reading
					}
					switch file := filepath.Join(dir, filepath.FromSlash(c.file)); {
					case strings.Contains(err.Error(), "panicked"):
						t.Fatal(err)
					case !errors.Is(err, want):
						t.Errorf("Open: %v\nwant an error matching %v", err, want)
					case !strings.Contains(err.Error(), file):
						t.Errorf("Open: %v\nwant the message to name %s", err, file)
					}
					maptest.RequireSameFiles(t, dir, before)
				})
			}
		}
	}
}

// TestBadInputCodecs: a map opened with other codecs than its manifest
// names fails with ErrCodecMismatch naming the manifest, and writes
// nothing.
func TestBadInputCodecs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	maptest.WriteShardedSample(t, dir, 1)
	before := maptest.DirFiles(t, dir)
	_, err := concurrent.Open[string, uint64](dir, nil)
	if !errors.Is(err, diskmap.ErrCodecMismatch) || !strings.Contains(err.Error(), filepath.Join(dir, "manifest")) {
		t.Errorf("Open with other codecs: %v; want ErrCodecMismatch naming the manifest", err)
	}
	maptest.RequireSameFiles(t, dir, before)
}

// TestBadInputNotAShardedMap: a diskmap.Map directory is not taken for a
// sharded map, nor changed.
func TestBadInputNotAShardedMap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	before := maptest.DirFiles(t, dir)
	delete(before, "lock") // the one file both kinds of map lock
	_, err = concurrent.Open[string, string](dir, nil)
	if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "diskmap.Map") {
		t.Errorf("Open of a diskmap.Map directory: %v; want ErrCorrupt saying why", err)
	}
	after := maptest.DirFiles(t, dir)
	delete(after, "lock")
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was created", name)
		}
	}
}

// TestBadInputDamagedSampleStillOpens: the sample itself, undamaged, opens
// with all its keys, clean or dirty.
func TestBadInputDamagedSampleStillOpens(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := maptest.WriteShardedSample(t, filepath.Join(dir, "clean"), 1)
	maptest.WriteDirtyShardedSample(t, filepath.Join(dir, "dirty"), 1)
	for _, state := range []string{"clean", "dirty"} {
		m := maptest.OpenSharded[string, string](t, filepath.Join(dir, state), nil)
		maptest.RequireContents(t, m, want)
	}
}

// TestCheckFindsMisplacedKeys: a manifest whose shard hash seed was changed
// and its checksum made to match opens, but sends keys to other shards than
// those that hold them; Check says so, naming the shards' keys files.
func TestCheckFindsMisplacedKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	maptest.WriteShardedSample(t, dir, 1)
	editManifest(t, dir, true, func(b []byte) []byte { b[24] ^= 1; return b })
	m := maptest.OpenSharded[string, string](t, dir, nil)
	err := m.Check()
	if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), filepath.Join(shardDir(dir, 0), "keys")) {
		t.Errorf("Check: %v; want ErrCorrupt naming the keys file of shard 0", err)
	}
	maptest.CheckClose(t, m)
}
