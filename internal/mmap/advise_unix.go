//go:build unix

package mmap

import "golang.org/x/sys/unix"

// AdviseRandom tells the system that the mapping is read and written at
// random (MADV_RANDOM): a fault maps in its own page and reads no others
// ahead. A writable mapping of a file allocated ahead is written at its
// end, or anywhere in a table; with read-ahead, the fault at a page
// marked for it reads the next window of the file first, its pages zeroed
// where blocks were allocated but never written: with 8 MiB of read-ahead,
// one write in every 8 MiB written took milliseconds. It is advice: a
// system that takes none is no worse off.
func (r *Region) AdviseRandom() {
	if len(r.data) > 0 {
		_ = unix.Madvise(r.data, unix.MADV_RANDOM) // advice: see above
	}
}
