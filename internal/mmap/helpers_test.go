package mmap_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

var page = os.Getpagesize()

// requireNoName fails unless err is an error, one that names neither
// name nor the package: the caller names the file, once (see Errors in
// the package doc).
func requireNoName(t *testing.T, what string, err error, name string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	if msg := err.Error(); strings.Contains(msg, name) || strings.Contains(msg, "mmap") {
		t.Fatalf("%s: %q names %s or the package; the caller names them", what, msg, name)
	}
}

// newFile creates a file of size bytes in a fresh directory, open
// read-write and closed when the test ends.
func newFile(t *testing.T, size int) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	closeAtEnd(t, f)
	if err := f.Truncate(int64(size)); err != nil {
		t.Fatalf("Truncate: %v", err)
	}
	return f
}

// reopen opens f's path again, as a second, independent open file.
func reopen(t *testing.T, f *os.File, flag int) *os.File {
	t.Helper()
	g, err := os.OpenFile(f.Name(), flag, 0)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	closeAtEnd(t, g)
	return g
}

func size(t *testing.T, f *os.File) int64 {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	return fi.Size()
}

// closeAtEnd closes f when the test ends, unless the test closed it
// already.
func closeAtEnd(t *testing.T, f *os.File) {
	t.Cleanup(func() {
		if err := f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			t.Error(err)
		}
	})
}

// mapFile maps the first length bytes of f in mode, and unmaps them when
// the test ends.
func mapFile(t *testing.T, f *os.File, length int, mode mmap.Mode) *mmap.Region {
	t.Helper()
	r, err := mmap.Map(f, length, mode)
	if err != nil {
		t.Fatalf("Map: %v", err)
	}
	unmapAtEnd(t, r)
	return r
}

// unmapAtEnd unmaps r when the test ends, unless the test unmapped it
// already.
func unmapAtEnd(t *testing.T, r *mmap.Region) {
	t.Cleanup(func() {
		if err := r.Unmap(); err != nil {
			t.Error(err)
		}
	})
}
