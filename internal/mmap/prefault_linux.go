package mmap

import (
	"os"

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
// Before Linux 5.14 it returns an error, as on other systems.
func (r *Region) Prefault(off, n int, write bool) error {
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
