//go:build unix

package mmap_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
	"golang.org/x/sys/unix"
)

// openWithin calls mmap.OpenFile and fails the test if it has not
// returned within maptest.HangLimit. A file it opens is closed when the
// test ends.
func openWithin(t *testing.T, name string, flag int) (*os.File, error) {
	t.Helper()
	what := fmt.Sprintf("OpenFile(%s, %#x)", name, flag)
	f, err := maptest.Within(t, maptest.HangLimit, what, func() (*os.File, error) { return mmap.OpenFile(name, flag, 0o644) })
	if f != nil {
		closeAtEnd(t, f)
	}
	return f, err
}

// Named pipes, devices, directories and sockets, and symbolic links to
// them, are refused at once with an error saying what is there, matching
// layout.ErrCorrupt, whichever way they are opened.
func TestOpenFileRefusesFilesThatAreNotRegular(t *testing.T) {
	t.Parallel()
	// A short directory: a socket's path must fit in about 100 bytes.
	dir, err := os.MkdirTemp("", "mmap")
	if err != nil {
		t.Fatalf(`MkdirTemp("", "mmap"): %v`, err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("RemoveAll(%s): %v", dir, err)
		}
	})
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("Mkfifo(%q, …): %v", fifo, err)
	}
	sub := filepath.Join(dir, "dir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatalf("Mkdir(%q, …): %v", sub, err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf(`Listen("unix", …): %v`, err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	link := filepath.Join(dir, "link")
	if err := os.Symlink("fifo", link); err != nil {
		t.Fatalf(`Symlink("fifo", …): %v`, err)
	}

	for _, c := range []struct{ path, kind string }{
		{fifo, "a named pipe"},
		{link, "a named pipe"},
		{sub, "a directory"},
		{sock, "a socket"},
		{os.DevNull, "a device"},
	} {
		for _, flag := range []int{os.O_RDONLY, os.O_RDWR, os.O_RDWR | os.O_CREATE, os.O_WRONLY | os.O_CREATE | os.O_TRUNC} {
			f, err := openWithin(t, c.path, flag)
			if !errors.Is(err, layout.ErrCorrupt) || f != nil {
				t.Fatalf("OpenFile(%s, %#x) = %v, %v; want nil, layout.ErrCorrupt", c.path, flag, f, err)
			}
			if err == nil || err.Error() != "not a regular file: "+c.kind {
				t.Fatalf("error %v, want error %q", err, "not a regular file: "+c.kind)
			}
		}
	}
}

// A regular file, directly or through a link, opens as os.OpenFile opens
// it, in blocking mode.
func TestOpenFileRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	f, err := openWithin(t, path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	if got := f.Name(); got != path {
		t.Fatalf("f.Name() = %q, want %q", got, path)
	}
	_, err = f.WriteAt([]byte("data"), 0)
	if err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Stat(%q): %v", path, err)
	}
	if !fi.Mode().IsRegular() {
		t.Fatal("fi.Mode().IsRegular() is false")
	}
	if fi.Mode().Perm()&0o700 != 0o600 {
		t.Fatalf("fi.Mode().Perm()&0o700 = %v, want 384 (created with the mode asked for)", fi.Mode().Perm()&0o700)
	}

	if err := os.Symlink("data", filepath.Join(dir, "link")); err != nil {
		t.Fatalf(`Symlink("data", …): %v`, err)
	}
	g, err := openWithin(t, filepath.Join(dir, "link"), os.O_RDONLY)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	flags, err := unix.FcntlInt(g.Fd(), unix.F_GETFL, 0)
	if err != nil {
		t.Fatalf("FcntlInt: %v", err)
	}
	if flags&unix.O_NONBLOCK != 0 {
		t.Fatalf("flags&unix.O_NONBLOCK = %d, want 0 (left in non-blocking mode)", flags&unix.O_NONBLOCK)
	}
	b := make([]byte, 4)
	_, err = g.ReadAt(b, 0)
	if err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	if string(b) != "data" {
		t.Fatalf(`string(b) = %q, want "data"`, string(b))
	}

	if _, err := openWithin(t, filepath.Join(dir, "missing"), os.O_RDONLY); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenFile: %v, want os.ErrNotExist", err)
	}
}
