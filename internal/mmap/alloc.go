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
		return fmt.Errorf("mmap: allocate %s: %w", f.Name(), err)
	}
	old := fi.Size()
	if err := fillHoles(f, min(old, size)); err != nil {
		return fmt.Errorf("mmap: allocate %s: %w", f.Name(), err)
	}
	if size <= old {
		return nil
	}
	if err := grow(f, old, size); err != nil {
		if terr := f.Truncate(old); terr != nil {
			err = errors.Join(err, terr)
		}
		return fmt.Errorf("mmap: allocate %s to %d bytes: %w", f.Name(), size, err)
	}
	return nil
}
