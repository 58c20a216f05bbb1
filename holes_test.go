//go:build linux

package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// A map copied sparsely (cp --sparse=always, rsync -S, a restore) has
// files with holes: pages without disk blocks. A write through a mapping
// into one finds the disk full with SIGBUS. Open for writing gives every
// hole of the files it maps blocks first, and on a full disk fails with an
// error instead, leaving the files as they were.

// holey returns what of its n bytes a sparse copy turns into holes: whole
// pages of zeros, between a few bytes that are not.
func holey(what string, i, n int) []byte {
	b := make([]byte, n)
	copy(b, fmt.Sprint(what, " ", i))
	copy(b[n-8:], "the end")
	return b
}

// makeHoleyMap makes a map in dir with pages of zeros in each file (and,
// in the WAL modes, in its log), and returns it, open, with what it holds.
func makeHoleyMap(t *testing.T, dir string, d diskmap.Durability) (*diskmap.Map[string, []byte], map[string][]byte) {
	t.Helper()
	m, err := diskmap.Open[string, []byte](dir, &diskmap.Options{Durability: d, Capacity: 4000})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for i := range 20 {
		k := string(holey("key", i, 3*4096))
		want[k] = holey("value", i, 3*4096)
		if err := m.Put(k, want[k]); err != nil {
			t.Fatal(err)
		}
	}
	return m, want
}

// requireHoley checks that m holds exactly want.
func requireHoley(t *testing.T, m *diskmap.Map[string, []byte], want map[string][]byte) {
	t.Helper()
	if m.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(want))
	}
	for k, v := range want {
		if got, ok, err := m.Get(k); err != nil || !ok || !bytes.Equal(got, v) {
			t.Fatalf("Get(%.8q) = %d bytes, %v, %v; want %d bytes", k, len(got), ok, err, len(v))
		}
	}
}

// sparseCopy copies every file of src into dst, which it creates, leaving
// a hole for every page of zeros, as cp --sparse=always does. It skips the
// test if the file system there makes no holes.
func sparseCopy(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	holes := false
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(b); off += 4096 {
			p := b[off:min(off+4096, len(b))]
			if bytes.ContainsFunc(p, func(r rune) bool { return r != 0 }) {
				if _, err := f.WriteAt(p, int64(off)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := f.Truncate(int64(len(b))); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		holes = holes || hasHoles(t, filepath.Join(dst, e.Name()))
	}
	if !holes {
		t.Skipf("the file system of %s made no holes", dst)
	}
}

// hasHoles reports whether the file at path has fewer bytes of disk blocks
// than its size.
func hasHoles(t *testing.T, path string) bool {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Blocks*512 < fi.Size()
}

// requireNoHoles checks that every file of dir has blocks for all of it.
func requireNoHoles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if hasHoles(t, filepath.Join(dir, e.Name())) {
			t.Errorf("%s still has holes", e.Name())
		}
	}
}

// fullFS fails every Allocate of the file named name with ENOSPC, as a
// full disk would.
type fullFS struct {
	mmap.FS
	name string
}

func (f fullFS) Allocate(file *os.File, size int64) error {
	if filepath.Base(file.Name()) == f.name {
		return syscall.ENOSPC // as mmap.OS says it: no name
	}
	return f.FS.Allocate(file, size)
}

func (f fullFS) Extend(file *os.File, size int64) error {
	if filepath.Base(file.Name()) == f.name {
		return syscall.ENOSPC // as mmap.OS says it: no name
	}
	return f.FS.Extend(file, size)
}

// Open for writing of a sparse copy allocates its holes: when that fails,
// Open fails, naming the file, and leaves every file as it was; when the
// disk has room, Open succeeds and no file has holes left. The files of a
// closed map are tested in every mode, the log of one copied while open
// (and so recovered by Open) in the WAL modes.
func TestOpenAllocatesHoles(t *testing.T) {
	t.Parallel()
	for _, d := range maptest.Modes {
		for _, name := range []string{"buckets", "keys", "values", "wal"} {
			if name == "wal" && d == diskmap.DurabilityOS {
				continue
			}
			t.Run(d.String()+"/"+name, func(t *testing.T) {
				orig := t.TempDir()
				m, want := makeHoleyMap(t, orig, d)
				dir := filepath.Join(t.TempDir(), "copy")
				if name == "wal" {
					sparseCopy(t, orig, dir)
					maptest.CloseChecked(t, m)
				} else {
					maptest.CloseChecked(t, m)
					sparseCopy(t, orig, dir)
				}
				if !hasHoles(t, filepath.Join(dir, name)) {
					t.Fatalf("the copy of %s has no holes to test with", name)
				}
				before := fileDigests(t, dir)

				o := diskmap.WithFiles(&diskmap.Options{Durability: d}, fullFS{mmap.OS{}, name})
				_, err := diskmap.Open[string, []byte](dir, o)
				t.Logf("Open with %s's holes unallocatable: %v", name, err)
				if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), filepath.Join(dir, name)) {
					t.Fatalf("Open with %s's holes unallocatable: %v, want ENOSPC naming the file", name, err)
				}
				if after := fileDigests(t, dir); name != "wal" && !equalDigests(before, after) {
					t.Errorf("the failed Open changed the files:\nbefore %v\nafter  %v", before, after)
				}

				m = maptest.Open[string, []byte](t, dir, &diskmap.Options{Durability: d})
				requireNoHoles(t, dir)
				requireHoley(t, m, want)
			})
		}
	}
}

// A read-only Open cannot allocate: it reads a sparse copy as it is, holes
// reading as zeros.
func TestReadOnlyOpenOfHoles(t *testing.T) {
	t.Parallel()
	orig := t.TempDir()
	m, want := makeHoleyMap(t, orig, diskmap.DurabilityOS)
	maptest.CloseChecked(t, m)
	dir := filepath.Join(t.TempDir(), "copy")
	sparseCopy(t, orig, dir)
	m = maptest.Open[string, []byte](t, dir, &diskmap.Options{ReadOnly: true})
	requireHoley(t, m, want)
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}

// On a real full disk, a small tmpfs, Open for writing of a sparse copy
// fails with ENOSPC instead of faulting later, and leaves the files as
// they were; once there is room it succeeds, and writes go through the
// pages that were holes.
func TestOpenHolesOnFullDisk(t *testing.T) {
	t.Parallel()
	disk := smallTmpfs(t, "2m")
	orig := t.TempDir()
	m, want := makeHoleyMap(t, orig, diskmap.DurabilityOS)
	maptest.CloseChecked(t, m)
	dir := filepath.Join(disk, "map")
	sparseCopy(t, orig, dir)
	before := fileDigests(t, dir)
	fillDisk(t, disk, 0)

	m, err := diskmap.Open[string, []byte](dir, nil)
	if err == nil {
		_ = m.Close() // the test fails either way
		t.Fatal("Open for writing of a map with holes on a full disk succeeded")
	}
	t.Logf("Open on the full disk: %v", err)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Open on the full disk: %v, want ENOSPC naming a file", err)
	}
	if after := fileDigests(t, dir); !equalDigests(before, after) {
		t.Errorf("the failed Open changed the files:\nbefore %v\nafter  %v", before, after)
	}

	if err := os.Remove(filepath.Join(disk, "filler")); err != nil {
		t.Fatal(err)
	}
	m = maptest.Open[string, []byte](t, dir, nil)
	requireNoHoles(t, dir)
	for i := range 50 { // new keys, in slots that were holes
		k := fmt.Sprint("new ", i)
		want[k] = []byte(k)
		if err := m.Put(k, want[k]); err != nil {
			t.Fatal(err)
		}
	}
	requireHoley(t, m, want)
}
