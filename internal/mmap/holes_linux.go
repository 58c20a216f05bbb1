package mmap

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// fillHoles gives blocks to the holes in f's first size bytes: it finds
// them with lseek(2) SEEK_HOLE and SEEK_DATA, and allocates each as grow
// allocates a new range, with fallocate(2) or, without it, by writing
// zeros. A file system that does not track holes reports none.
//
// Ranges allocated but never written (unwritten extents) may be reported
// as holes too; allocating them again changes nothing.
func fillHoles(f *os.File, size int64) error {
	fd := int(f.Fd())
	for off := int64(0); off < size; {
		hole, err := unix.Seek(fd, off, unix.SEEK_HOLE)
		if err != nil {
			return os.NewSyscallError("lseek SEEK_HOLE", err)
		}
		if hole >= size {
			return nil
		}
		data, err := unix.Seek(fd, hole, unix.SEEK_DATA)
		switch {
		case errors.Is(err, unix.ENXIO): // no data after the hole
			data = size
		case err != nil:
			return os.NewSyscallError("lseek SEEK_DATA", err)
		}
		data = min(data, size)
		if err := grow(f, hole, data); err != nil {
			return fmt.Errorf("hole at %d: %w", hole, Cause(err))
		}
		off = data
	}
	return nil
}
