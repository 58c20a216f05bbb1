package mmap

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Prefault maps in the pages covering [off, off+n) of the mapping, as a
// first touch of each would, without touching them: writable and dirty
// with write (MADV_POPULATE_WRITE), readable without (MADV_POPULATE_READ).
// Their bytes do not change, so it may run while other goroutines read and
// write them. It is for a goroutine beside the one that will write: a
// first write to a page of a shared mapping faults, and every few MiB of
// pages a thread dirties it also pays for the kernel's accounting of
// dirty pages, milliseconds at a time. The range must lie within the file.
// Before Linux 5.14 it returns an error, as on other systems, and so it
// does once the region is unmapped.
func (r *Region) Prefault(off, n int, write bool) error {
	if r.data == nil {
		return errors.New("not mapped")
	}
	start := off &^ (os.Getpagesize() - 1)
	end := min(off+n, len(r.data))
	if start >= end {
		return nil
	}
	advice := unix.MADV_POPULATE_READ
	if write {
		advice = unix.MADV_POPULATE_WRITE
	}
	return ignoringEINTR(func() error { return unix.Madvise(r.data[start:end], advice) })
}

// Resident returns how many bytes of the mapping lie in pages that are in
// memory (mincore): for a shared mapping of a file, its pages in the page
// cache, whether or not this mapping touched them.
func (r *Region) Resident() (int, error) {
	if len(r.data) == 0 {
		return 0, nil
	}
	page := os.Getpagesize()
	vec := make([]byte, (len(r.data)+page-1)/page)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&r.data[0])), uintptr(len(r.data)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return 0, errno
	}
	n := 0
	for _, v := range vec {
		if v&1 != 0 {
			n += page
		}
	}
	return min(n, len(r.data)), nil
}
