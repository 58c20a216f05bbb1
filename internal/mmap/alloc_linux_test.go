package mmap_test

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// requireAllocated checks that f has disk blocks for all of its size.
func requireAllocated(t *testing.T, f *os.File) {
	t.Helper()
	fi, err := f.Stat()
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	require.GreaterOrEqual(t, st.Blocks*512, fi.Size(), "blocks must cover the size")
}

func TestAllocateAllocatesBlocks(t *testing.T) {
	f := newFile(t, 0)
	require.NoError(t, mmap.Allocate(f, 4<<20))
	requireAllocated(t, f)
}

func TestAllocateWithoutFallocate(t *testing.T) {
	defer mmap.WithoutFallocate()()
	f := newFile(t, 10)
	require.NoError(t, mmap.Allocate(f, 1<<20+7))
	require.Equal(t, int64(1<<20+7), size(t, f))
	requireAllocated(t, f)
}

// smallDisk mounts a 256 KiB tmpfs for the test, or skips it when mounting
// is not allowed.
func smallDisk(t *testing.T) string {
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { require.NoError(t, unix.Unmount(dir, unix.MNT_DETACH)) })
	return dir
}

func TestAllocateOnFullDisk(t *testing.T) {
	for _, c := range []struct {
		name       string
		fallocates bool
	}{{"fallocate", true}, {"zeros", false}} {
		t.Run(c.name, func(t *testing.T) {
			if !c.fallocates {
				defer mmap.WithoutFallocate()()
			}
			f, err := os.Create(filepath.Join(smallDisk(t), "data"))
			require.NoError(t, err)
			defer func() { require.NoError(t, f.Close()) }()
			require.NoError(t, mmap.Allocate(f, 64<<10))

			err = mmap.Allocate(f, 1<<20)
			require.ErrorIs(t, err, syscall.ENOSPC)
			require.ErrorContains(t, err, f.Name())
			require.Equal(t, int64(64<<10), size(t, f), "the size must be as before")
		})
	}
}

// sparseFile returns a file of size bytes that holds "head" at 0 and
// "tail" at its last page, with a hole between them.
func sparseFile(t *testing.T, dir string, size int64) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "sparse"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, f.Close()) })
	_, err = f.WriteAt([]byte("head"), 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("tail"), size-int64(page))
	require.NoError(t, err)
	require.NoError(t, f.Truncate(size))
	fi, err := f.Stat()
	require.NoError(t, err)
	if blocks := fi.Sys().(*syscall.Stat_t).Blocks * 512; blocks >= size {
		t.Skipf("the file system made no hole: %d bytes of blocks for %d", blocks, size)
	}
	return f
}

// requireHeadAndTail checks that f still reads as sparseFile wrote it.
func requireHeadAndTail(t *testing.T, f *os.File, n int64) {
	t.Helper()
	require.Equal(t, n, size(t, f))
	b := make([]byte, n)
	_, err := f.ReadAt(b, 0)
	require.NoError(t, err)
	want := make([]byte, n)
	copy(want, "head")
	copy(want[min(n, 1<<20)-int64(page):], "tail")
	require.True(t, bytes.Equal(b, want), "the contents changed")
}

// Allocate gives the holes of a sparse file blocks, when asked for its
// size or more, and leaves its bytes as they were.
func TestAllocateFillsHoles(t *testing.T) {
	for _, c := range []struct {
		name       string
		fallocates bool
	}{{"fallocate", true}, {"zeros", false}} {
		t.Run(c.name, func(t *testing.T) {
			if !c.fallocates {
				defer mmap.WithoutFallocate()()
			}
			const n = 1 << 20
			for _, to := range []int64{n, 2 * n} {
				f := sparseFile(t, t.TempDir(), n)
				require.NoError(t, mmap.Allocate(f, to))
				requireAllocated(t, f)
				requireHeadAndTail(t, reopen(t, f, os.O_RDONLY), max(n, to)) // a grown tail reads as zeros
			}
		})
	}
}

// On a full disk, allocating a file's holes fails with ENOSPC, naming the
// file, and leaves the file as it was.
func TestAllocateHolesOnFullDisk(t *testing.T) {
	for _, c := range []struct {
		name       string
		fallocates bool
	}{{"fallocate", true}, {"zeros", false}} {
		t.Run(c.name, func(t *testing.T) {
			if !c.fallocates {
				defer mmap.WithoutFallocate()()
			}
			const n = 1 << 20 // more than the disk
			f := sparseFile(t, smallDisk(t), n)
			err := mmap.Allocate(f, n)
			require.ErrorIs(t, err, syscall.ENOSPC)
			require.ErrorContains(t, err, f.Name())
			requireHeadAndTail(t, f, n)
		})
	}
}
