package mmap_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"golang.org/x/sys/unix"
)

// requireAllocated checks that f has disk blocks for all of its size.
func requireAllocated(t *testing.T, f *os.File) {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Blocks*512 < fi.Size() {
		t.Fatalf("st.Blocks*512 = %d, want >= %d (blocks must cover the size)", st.Blocks*512, fi.Size())
	}
}

func TestAllocateAllocatesBlocks(t *testing.T) {
	t.Parallel()
	f := newFile(t, 0)
	if err := mmap.Allocate(f, 4<<20); err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	requireAllocated(t, f)
}

func TestAllocateWithoutFallocate(t *testing.T) {
	// swaps the fallocate of every file
	defer mmap.WithoutFallocate()()
	f := newFile(t, 10)
	if err := mmap.Allocate(f, 1<<20+7); err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	if got := size(t, f); got != int64(1<<20+7) {
		t.Fatalf("size(t, f) = %d, want %d", got, int64(1<<20+7))
	}
	requireAllocated(t, f)
}

// smallDisk mounts a 256 KiB tmpfs for the test, or skips it when mounting
// is not allowed.
func smallDisk(t *testing.T) string {
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("Unmount(%s): %v", dir, err)
		}
	})
	return dir
}

func TestAllocateOnFullDisk(t *testing.T) {
	// swaps the fallocate of every file
	for _, c := range []struct {
		name       string
		fallocates bool
	}{{"fallocate", true}, {"zeros", false}} {
		t.Run(c.name, func(t *testing.T) {
			if !c.fallocates {
				defer mmap.WithoutFallocate()()
			}
			f, err := os.Create(filepath.Join(smallDisk(t), "data"))
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			closeAtEnd(t, f)
			if err := mmap.Allocate(f, 64<<10); err != nil {
				t.Fatalf("Allocate: %v", err)
			}

			err = mmap.Allocate(f, 1<<20)
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Allocate = %v; want %v", err, syscall.ENOSPC)
			}
			requireNoName(t, "Allocate", err, f.Name())
			if got := size(t, f); got != int64(64<<10) {
				t.Fatalf("size(t, f) = %d, want %d (the size must be as before)", got, int64(64<<10))
			}
		})
	}
}

// sparseFile returns a file of size bytes that holds "head" at 0 and
// "tail" at its last page, with a hole between them.
func sparseFile(t *testing.T, dir string, size int64) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "sparse"))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	closeAtEnd(t, f)
	_, err = f.WriteAt([]byte("head"), 0)
	if err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
	_, err = f.WriteAt([]byte("tail"), size-int64(page))
	if err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatalf("Truncate(%d): %v", size, err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if blocks := fi.Sys().(*syscall.Stat_t).Blocks * 512; blocks >= size {
		t.Skipf("the file system made no hole: %d bytes of blocks for %d", blocks, size)
	}
	return f
}

// requireHeadAndTail checks that f still reads as sparseFile wrote it.
func requireHeadAndTail(t *testing.T, f *os.File, n int64) {
	t.Helper()
	if got := size(t, f); got != n {
		t.Fatalf("size(t, f) = %d, want %d", got, n)
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, 0); err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	want := make([]byte, n)
	copy(want, "head")
	copy(want[min(n, 1<<20)-int64(page):], "tail")
	if !bytes.Equal(b, want) {
		t.Fatal("the contents changed")
	}
}

// Allocate gives the holes of a sparse file blocks, when asked for its
// size or more, and leaves its bytes as they were.
func TestAllocateFillsHoles(t *testing.T) {
	// swaps the fallocate of every file
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
				if err := mmap.Allocate(f, to); err != nil {
					t.Fatalf("Allocate: %v", err)
				}
				requireAllocated(t, f)
				requireHeadAndTail(t, reopen(t, f, os.O_RDONLY), max(n, to)) // a grown tail reads as zeros
			}
		})
	}
}

// On a full disk, allocating a file's holes fails with ENOSPC, and leaves
// the file as it was.
func TestAllocateHolesOnFullDisk(t *testing.T) {
	// swaps the fallocate of every file
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
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Allocate = %v; want %v", err, syscall.ENOSPC)
			}
			requireNoName(t, "Allocate", err, f.Name())
			requireHeadAndTail(t, f, n)
		})
	}
}

// Extend gives the range it adds blocks, and leaves the file's holes as
// they are: it is for files without any, and does not look for them.
func TestExtendAllocatesOnlyWhatItAdds(t *testing.T) {
	const n = 1 << 20
	f := sparseFile(t, t.TempDir(), n)
	before := blocks(t, f)
	if err := mmap.Extend(f, 3*n); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if got := blocks(t, f) - before; got < 2*n || got >= 3*n {
		t.Fatalf("Extend from %d to %d bytes added %d bytes of blocks, want the %d it added", n, 3*n, got, 2*n)
	}
	requireHeadAndTail(t, reopen(t, f, os.O_RDONLY), 3*n)
	if err := mmap.Extend(f, n); err != nil {
		t.Fatalf("Extend to less: %v", err)
	}
	if got := size(t, f); got != 3*n {
		t.Fatalf("Extend to less: size %d, want %d (it never shrinks)", got, 3*n)
	}
}

// blocks returns the bytes of disk blocks f has.
func blocks(t *testing.T, f *os.File) int64 {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	return fi.Sys().(*syscall.Stat_t).Blocks * 512
}
