//go:build unix

package mmap

import (
	"os"

	"golang.org/x/sys/unix"
)

// Reserves reports whether a mapping may be longer than its file. On Unix it
// may: the tail is address space reserved for growth, to be used only after
// the file has grown to cover it (touching it before raises SIGBUS).
const Reserves = true

// RenamesMapped reports whether a file may be renamed, and renamed over,
// while it is open and mapped. On Unix it may: a mapping and an open file
// follow the file, not its name.
const RenamesMapped = true

// sysRegion holds what a Unix mapping needs beyond its bytes: for one in a
// Space, where it starts in the Space's span; for one detached from its
// Space by a move, that span too (see Space.detach).
type sysRegion struct {
	off  int
	span []byte
}

// retireOrUnmap unmaps r, which belongs to no Space: it retires r if a
// move detached it from one, and munmaps it if not.
func (r *Region) retireOrUnmap() error {
	if r.sys.span != nil {
		return r.retireDetached()
	}
	return r.unmap()
}

func mapFile(f *os.File, length int, mode Mode) ([]byte, sysRegion, error) {
	prot, flags := unix.PROT_READ, unix.MAP_SHARED
	switch mode {
	case ReadWrite:
		prot |= unix.PROT_WRITE
	case Private:
		prot, flags = prot|unix.PROT_WRITE, unix.MAP_PRIVATE
	}
	data, err := unix.Mmap(int(f.Fd()), 0, length, prot, flags)
	return data, sysRegion{}, err
}

// flush msyncs the pages covering [off, off+n); msync needs a page-aligned
// start, so off is rounded down.
func (r *Region) flush(off, n int) error {
	start := off &^ (os.Getpagesize() - 1)
	return unix.Msync(r.data[start:off+n], unix.MS_SYNC)
}

// unmap hands Munmap the very slice Mmap returned, as x/sys/unix requires.
func (r *Region) unmap() error {
	return unix.Munmap(r.data)
}
