package mmap_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/stretchr/testify/require"
)

func mapFile(t *testing.T, f *os.File, length int, writable bool) *mmap.Region {
	t.Helper()
	mode := mmap.ReadOnly
	if writable {
		mode = mmap.ReadWrite
	}
	r, err := mmap.Map(f, length, mode)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Unmap()) })
	return r
}

func TestWriteIsVisibleEverywhere(t *testing.T) {
	f := newFile(t, 2*page)
	w := mapFile(t, f, 2*page, true)
	r := mapFile(t, reopen(t, f, os.O_RDONLY), 2*page, false)

	copy(w.Bytes()[page-2:], "hello")
	require.Equal(t, []byte("hello"), r.Bytes()[page-2:page+3], "through a second mapping")
	got := make([]byte, 5)
	_, err := f.ReadAt(got, int64(page-2))
	require.NoError(t, err)
	require.Equal(t, []byte("hello"), got, "through read")

	require.NoError(t, w.Flush(page-2, 5))
	require.NoError(t, w.Unmap())
	require.NoError(t, r.Unmap())
	require.NoError(t, f.Close())
	data, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	require.Equal(t, []byte("hello"), data[page-2:page+3], "after unmap and reopen")
}

func TestBytesLength(t *testing.T) {
	f := newFile(t, 3*page)
	r := mapFile(t, f, page+5, false)
	require.Len(t, r.Bytes(), page+5)
	require.Equal(t, page+5, cap(r.Bytes()))
}

func TestMapZeroLength(t *testing.T) {
	f := newFile(t, 0)
	r, err := mmap.Map(f, 0, mmap.ReadWrite)
	require.NoError(t, err)
	require.Empty(t, r.Bytes())
	require.NoError(t, r.Flush(0, 0))
	require.NoError(t, r.Unmap())
}

func TestMapNegativeLength(t *testing.T) {
	_, err := mmap.Map(newFile(t, page), -1, mmap.ReadOnly)
	require.Error(t, err)
}

func TestMapWritableNeedsWritableFile(t *testing.T) {
	f := newFile(t, page)
	_, err := mmap.Map(reopen(t, f, os.O_RDONLY), page, mmap.ReadWrite)
	require.ErrorIs(t, err, fs.ErrPermission)
	require.ErrorContains(t, err, f.Name())
}

// TestMapPastEndOfFile checks that a mapping longer than its file is a
// reservation where Reserves says so, an error elsewhere, and never changes
// the file's size.
func TestMapPastEndOfFile(t *testing.T) {
	f := newFile(t, page)
	r, err := mmap.Map(f, 4*page, mmap.ReadWrite)
	if mmap.Reserves {
		require.NoError(t, err)
		require.NoError(t, r.Unmap())
	} else {
		require.Error(t, err)
	}
	require.Equal(t, int64(page), size(t, f))
}

func TestReservationUsableAfterAllocate(t *testing.T) {
	if !mmap.Reserves {
		t.Skip("mappings cannot reserve space past the end of the file here")
	}
	f := newFile(t, page)
	r := mapFile(t, f, 4*page, true)
	require.NoError(t, mmap.Allocate(f, int64(3*page)))

	off := 2*page + 10
	copy(r.Bytes()[off:], "grown")
	require.Equal(t, []byte("grown"), r.Bytes()[off:off+5])
	got := make([]byte, 5)
	_, err := f.ReadAt(got, int64(off))
	require.NoError(t, err)
	require.Equal(t, []byte("grown"), got)
	require.NoError(t, r.Flush(off, 5))
}

func TestFlush(t *testing.T) {
	f := newFile(t, 3*page)
	r := mapFile(t, f, 3*page, true)
	copy(r.Bytes()[page+123:], "x")
	for _, c := range []struct{ off, n int }{
		{0, 0}, {1, 1}, {page - 1, 2}, {page + 123, page}, {0, 3 * page}, {3*page - 1, 1}, {3 * page, 0},
	} {
		require.NoError(t, r.Flush(c.off, c.n), "Flush(%d, %d)", c.off, c.n)
	}
	for _, c := range []struct{ off, n int }{
		{-1, 1}, {0, -1}, {0, 3*page + 1}, {3 * page, 1}, {1, 3 * page},
	} {
		require.Error(t, r.Flush(c.off, c.n), "Flush(%d, %d)", c.off, c.n)
	}
}

func TestUnmapTwice(t *testing.T) {
	r, err := mmap.Map(newFile(t, page), page, mmap.ReadWrite)
	require.NoError(t, err)
	require.NoError(t, r.Unmap())
	require.Nil(t, r.Bytes())
	require.NoError(t, r.Unmap())
	require.Error(t, r.Flush(0, 1))
}

const faultEnv = "DISKMAP_MMAP_FAULT_FILE"

// TestReadOnlyRegionFaults writes into a read-only mapping in a child
// process. The write must kill the child and leave the file unchanged.
func TestReadOnlyRegionFaults(t *testing.T) {
	if path := os.Getenv(faultEnv); path != "" {
		writeReadOnly(t, path)
		return
	}
	f := newFile(t, page)
	_, err := f.WriteAt([]byte("before"), 0)
	require.NoError(t, err)

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestReadOnlyRegionFaults$", "-test.count=1")
	cmd.Env = append(os.Environ(), faultEnv+"="+f.Name())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the child must die, output:\n%s", out)
	require.Contains(t, string(out), "writing into a read-only mapping", "the child must reach the write")
	require.NotContains(t, string(out), "the write did not fault")
	require.Contains(t, string(out), "fault")

	got := make([]byte, 6)
	_, err = f.ReadAt(got, 0)
	require.NoError(t, err)
	require.Equal(t, []byte("before"), got)
}

func writeReadOnly(t *testing.T, path string) {
	f, err := os.Open(path)
	require.NoError(t, err)
	r, err := mmap.Map(f, page, mmap.ReadOnly)
	require.NoError(t, err)
	fmt.Println("writing into a read-only mapping")
	copy(r.Bytes(), "after!")
	fmt.Println("the write did not fault:", bytes.Equal(r.Bytes()[:6], []byte("after!")))
}

// A private mapping is copy-on-write: its writes never reach the file, and
// it still sees the file as it was.
func TestPrivateWritesStayInMemory(t *testing.T) {
	f := newFile(t, page)
	_, err := f.WriteAt([]byte("file"), 0)
	require.NoError(t, err)
	r, err := mmap.Map(f, page, mmap.Private)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Unmap()) })
	require.Equal(t, "file", string(r.Bytes()[:4]))
	copy(r.Bytes(), "priv")
	require.Equal(t, "priv", string(r.Bytes()[:4]))
	got := make([]byte, 4)
	_, err = f.ReadAt(got, 0)
	require.NoError(t, err)
	require.Equal(t, "file", string(got), "a private write reached the file")
}
