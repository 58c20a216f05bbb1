//go:build unix

package diskmap_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"golang.org/x/sys/unix"
)

// writeMapIn leaves in dir a map written in durability d: closed cleanly,
// or, if dirty, copied while open after changes since its last checkpoint,
// as a crash of the process leaves it.
func writeMapIn(t *testing.T, dir string, d diskmap.Durability, dirty bool) {
	t.Helper()
	live := t.TempDir()
	m, err := diskmap.Open[string, string](live, &diskmap.Options{Durability: d})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := m.Put(maptest.SampleKey(i), fmt.Sprint("value ", i)); err != nil {
			t.Fatal(err)
		}
	}
	if dirty {
		if err := m.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := m.Put("after the sync", "x"); err != nil {
			t.Fatal(err)
		}
		maptest.CloneDir(t, live, dir)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if !dirty {
		maptest.CloneDir(t, live, dir)
	}
}

// A named pipe, a directory or a device in place of a map file, or a
// symbolic link to one, makes Open fail at once with an error naming the
// file and matching ErrCorrupt, whichever Open reads it: a read-only one, one that creates the map,
// one that recovers it. Nothing blocks waiting for the other end of a pipe.
func TestOpenRefusesFilesThatAreNotRegular(t *testing.T) {
	t.Parallel()
	dOS, dWAL := diskmap.DurabilityOS, diskmap.DurabilityWAL
	cases := []struct {
		state    string // "none", "clean" or "dirty"
		d        diskmap.Durability
		readOnly bool
		file     string
	}{
		{"clean", dOS, true, "buckets"},
		{"clean", dOS, true, "keys"},
		{"clean", dOS, true, "values"},
		{"clean", dOS, true, "lock"},
		{"clean", dOS, false, "buckets"},
		{"clean", dOS, false, "keys"},
		{"clean", dOS, false, "values"},
		{"clean", dOS, false, "lock"},
		{"clean", dWAL, false, "wal"},
		{"clean", dWAL, false, "buckets.spare"},
		{"dirty", dOS, false, "wal"},
		{"dirty", dWAL, false, "wal"},
		{"dirty", dWAL, false, "buckets.spare"},
		{"none", dOS, false, "keys"},
		{"none", dOS, false, "values"},
		{"none", dOS, false, "lock"},
		{"none", dOS, false, "wal"},
		{"none", dWAL, false, "buckets.spare"},
	}
	samples := map[string]string{}
	for _, c := range cases {
		key := fmt.Sprint(c.state, c.d)
		if _, ok := samples[key]; !ok && c.state != "none" {
			samples[key] = filepath.Join(t.TempDir(), "map")
			writeMapIn(t, samples[key], c.d, c.state == "dirty")
		}
	}
	kinds := []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"named pipe", func(t *testing.T, path string) { mkfifo(t, path) }},
		{"link to a named pipe", func(t *testing.T, path string) {
			pipe := filepath.Join(t.TempDir(), "pipe")
			mkfifo(t, pipe)
			symlink(t, pipe, path)
		}},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"link to a device", func(t *testing.T, path string) { symlink(t, os.DevNull, path) }},
	}
	for _, c := range cases {
		for _, k := range kinds {
			name := fmt.Sprintf("%s/%v/read-only=%v/%s is a %s", c.state, c.d, c.readOnly, c.file, k.name)
			t.Run(name, func(t *testing.T) {
				dir := maptest.CopyOf(t, samples[fmt.Sprint(c.state, c.d)]) // none: an empty directory
				path := filepath.Join(dir, c.file)
				if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				k.make(t, path)
				err := maptest.OpenWithin(t, dir, &diskmap.Options{Durability: c.d, ReadOnly: c.readOnly})
				switch {
				case err == nil:
					t.Fatal("Open succeeded")
				case !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "not a regular file"):
					t.Fatalf("Open: %v\nwant ErrCorrupt saying %s is not a regular file", err, c.file)
				case !namesFile(err.Error(), dir, c.file):
					t.Fatalf("Open: %v\nwant the message to name %s", err, c.file)
				}
				requireNamedOnce(t, "Open", err, dir)
			})
		}
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := unix.Mkfifo(path, 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
}
