package raftmap_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap/raftmap"
)

// single opens a one-node cluster in dir, puts a key and closes it.
func single(t *testing.T, dir string) {
	t.Helper()
	c := nodeConfig("a", dir)
	c.Bootstrap = true
	cl := &cluster{t: t, cfgs: []raftmap.Config{c}, nodes: []*raftmap.Node[string, string]{nil}}
	cl.start(0)
	if err := cl.leader().Put(ctx(t), "k", "v"); err != nil {
		t.Fatal(err)
	}
	cl.stop(0)
}

// TestOpenRefusesBadDirectories: a directory that is not the node's, or
// whose map and raft state do not belong together, is refused with an
// error naming it, and nothing is served from it.
func TestOpenRefusesBadDirectories(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(t *testing.T, dir string)
		id    string
		want  error
	}{
		{"another node's", nil, "b", raftmap.ErrOtherNode},
		{"foreign", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "a", raftmap.ErrForeignDir},
		{"damaged raftmap file", func(t *testing.T, dir string) {
			flipByte(t, filepath.Join(dir, "raftmap"), 10)
		}, "a", raftmap.ErrCorrupt},
		{"truncated raftmap file", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, "raftmap"), 5); err != nil {
				t.Fatal(err)
			}
		}, "a", raftmap.ErrCorrupt},
		{"map missing", func(t *testing.T, dir string) {
			removeAll(t, filepath.Join(dir, "map"))
		}, "a", raftmap.ErrCorrupt},
		{"raft state lost", func(t *testing.T, dir string) {
			removeAll(t, filepath.Join(dir, "raft"))
			removeAll(t, filepath.Join(dir, "snapshots"))
		}, "a", raftmap.ErrMismatch},
		{"restore cut short, no snapshot", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "restoring"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "a", raftmap.ErrCorrupt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.name == "foreign" {
				tc.spoil(t, dir)
			} else {
				single(t, dir)
				if tc.spoil != nil {
					tc.spoil(t, dir)
				}
			}
			n, err := raftmap.Open[string, string](nodeConfig(tc.id, dir))
			if err == nil {
				_ = n.Close()
				t.Fatalf("Open succeeded, want %v", tc.want)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			t.Log(err)
		})
	}
}

// TestOpenRefusesOtherCodecs: a node's directory opened with other codecs
// fails with the map's ErrCodecMismatch, and opens again with its own.
func TestOpenRefusesOtherCodecs(t *testing.T) {
	dir := t.TempDir()
	single(t, dir)
	n, err := raftmap.Open[string, int64](nodeConfig("a", dir))
	if err == nil {
		_ = n.Close()
		t.Fatal("Open with other codecs succeeded")
	}
	if !errors.Is(err, raftmap.ErrCodecMismatch) {
		t.Fatalf("Open: %v, want ErrCodecMismatch", err)
	}
	c := nodeConfig("a", dir)
	good, err := raftmap.Open[string, string](c)
	if err != nil {
		t.Fatal(err)
	}
	requireValue(t, good, raftmap.Stale, "k", "v")
	if err := good.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestConfigErrors: a Config without ID, Dir or Bind, or with a ShardKey
// of its own, is refused before anything is created.
func TestConfigErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "n")
	for _, c := range []raftmap.Config{
		{Dir: dir, Bind: "127.0.0.1:0"},
		{ID: "a", Bind: "127.0.0.1:0"},
		{ID: "a", Dir: dir},
	} {
		if n, err := raftmap.Open[string, string](c); err == nil {
			_ = n.Close()
			t.Fatalf("Open(%+v) succeeded", c)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused Config created %s: %v", dir, err)
	}
}

func flipByte(t *testing.T, path string, at int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[at] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func removeAll(t *testing.T, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}
