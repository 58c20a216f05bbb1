//go:build unix

package mmap_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// hangLimit is how long an open may take before the test calls it a hang.
// Opening a named pipe for reading waits for a writer forever: a hang is
// what a regression looks like, and the limit only stops the test.
const hangLimit = 20 * time.Second

// openWithin calls mmap.OpenFile on a goroutine of its own and fails the
// test if it has not returned within hangLimit.
func openWithin(t *testing.T, name string, flag int) (*os.File, error) {
	t.Helper()
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := mmap.OpenFile(name, flag, 0o644)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		if r.f != nil {
			t.Cleanup(func() { require.NoError(t, r.f.Close()) })
		}
		return r.f, r.err
	case <-time.After(hangLimit):
		t.Fatalf("OpenFile(%s, %#x) still waits after %v", name, flag, hangLimit)
		return nil, nil
	}
}

// Named pipes, devices, directories and sockets, and symbolic links to
// them, are refused at once with an error naming the path and what is
// there, matching layout.ErrCorrupt, whichever way they are opened.
func TestOpenFileRefusesFilesThatAreNotRegular(t *testing.T) {
	// A short directory: a socket's path must fit in about 100 bytes.
	dir, err := os.MkdirTemp("", "mmap")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, os.RemoveAll(dir)) })
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, unix.Mkfifo(fifo, 0o644))
	sub := filepath.Join(dir, "dir")
	require.NoError(t, os.Mkdir(sub, 0o755))
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink("fifo", link))

	for _, c := range []struct{ path, kind string }{
		{fifo, "a named pipe"},
		{link, "a named pipe"},
		{sub, "a directory"},
		{sock, "a socket"},
		{os.DevNull, "a device"},
	} {
		for _, flag := range []int{os.O_RDONLY, os.O_RDWR, os.O_RDWR | os.O_CREATE, os.O_WRONLY | os.O_CREATE | os.O_TRUNC} {
			f, err := openWithin(t, c.path, flag)
			require.Nil(t, f, "%s opened with %#x", c.path, flag)
			require.ErrorIs(t, err, layout.ErrCorrupt, "%s opened with %#x", c.path, flag)
			var pe *os.PathError
			require.True(t, errors.As(err, &pe) && pe.Path == c.path, "%#v names its path", err)
			require.EqualError(t, err, "open "+c.path+": not a regular file: "+c.kind)
		}
	}
}

// A regular file, directly or through a link, opens as os.OpenFile opens
// it, in blocking mode.
func TestOpenFileRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	f, err := openWithin(t, path, os.O_RDWR|os.O_CREATE)
	require.NoError(t, err)
	require.Equal(t, path, f.Name())
	_, err = f.WriteAt([]byte("data"), 0)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.True(t, fi.Mode().IsRegular())
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm()&0o700, "created with the mode asked for")

	require.NoError(t, os.Symlink("data", filepath.Join(dir, "link")))
	g, err := openWithin(t, filepath.Join(dir, "link"), os.O_RDONLY)
	require.NoError(t, err)
	flags, err := unix.FcntlInt(g.Fd(), unix.F_GETFL, 0)
	require.NoError(t, err)
	require.Zero(t, flags&unix.O_NONBLOCK, "left in non-blocking mode")
	b := make([]byte, 4)
	_, err = g.ReadAt(b, 0)
	require.NoError(t, err)
	require.Equal(t, "data", string(b))

	_, err = openWithin(t, filepath.Join(dir, "missing"), os.O_RDONLY)
	require.ErrorIs(t, err, os.ErrNotExist)
}
