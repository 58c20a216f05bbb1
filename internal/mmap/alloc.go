package mmap

import (
	"errors"
	"fmt"
	"os"
)

// Allocate makes f at least size bytes long and gives its first size bytes
// real disk blocks, so that a later write through a mapping cannot find the
// disk full (which would raise SIGBUS): the range it adds and, on Linux,
// every hole in the range f had, such as a sparse copy of the file leaves
// (see fillHoles). It never shrinks f, and never changes what its bytes
// read: a hole reads as zeros before and after.
//
// If growing fails, for example with ENOSPC or EFBIG, f is truncated back to
// its old size and the error, which matches the OS error under errors.Is, is
// returned. A hole that cannot be given blocks is an error naming its
// offset; f keeps its size.
//
// Linux uses fallocate(2), falling back to writing zeros where the file
// system does not support it; macOS uses F_PREALLOCATE and ftruncate; other
// Unix systems write zeros; Windows sets the end of file.
func Allocate(f *os.File, size int64) error {
	fi, err := f.Stat()
	if err != nil {
		return Cause(err)
	}
	old := fi.Size()
	if err := fillHoles(f, min(old, size)); err != nil {
		return Cause(err)
	}
	if size <= old {
		return nil
	}
	return growFrom(f, old, size)
}

// Extend is Allocate for a file with no holes, such as one that Allocate
// gave blocks to whole since it was opened, and that has only grown since:
// it allocates only the range it adds. Allocate looks for holes in the
// whole file first, which on Linux takes milliseconds once a file has
// tens of MiB of dirty pages over blocks allocated ahead: SEEK_HOLE
// counts such blocks as holes until their pages reach the disk, and looks
// the pages up one by one.
func Extend(f *os.File, size int64) error {
	fi, err := f.Stat()
	if err != nil {
		return Cause(err)
	}
	if size <= fi.Size() {
		return nil
	}
	return growFrom(f, fi.Size(), size)
}

// growFrom grows f from old to size bytes with blocks, or leaves it at old
// and returns the error.
func growFrom(f *os.File, old, size int64) error {
	if err := grow(f, old, size); err != nil {
		if terr := f.Truncate(old); terr != nil {
			err = errors.Join(err, fmt.Errorf("cutting back to %d bytes: %w", old, Cause(terr)))
		}
		return fmt.Errorf("to %d bytes: %w", size, Cause(err))
	}
	return nil
}
