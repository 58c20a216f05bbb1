//go:build !linux

package mmap

import "errors"

// Prefault maps in the pages covering [off, off+n) of the mapping without
// touching them, where the system can (see the Linux version); here it
// cannot, and returns errors.ErrUnsupported: the first touch of each page
// maps it in.
func (r *Region) Prefault(off, n int, write bool) error { return errors.ErrUnsupported }
