package mmap_test

import (
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
