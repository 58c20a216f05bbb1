//go:build !linux

package mmap

import "errors"

// Prefault maps in the pages covering [off, off+n) of the mapping without
// touching them, where the system can (see the Linux version); here it
// cannot, and returns errors.ErrUnsupported: the first touch of each page
// maps it in.
func (r *Region) Prefault(off, n int, write bool) error { return errors.ErrUnsupported }

// Resident returns how many bytes of the mapping lie in pages that are in
// memory, where the system can say (see the Linux version); here it
// returns errors.ErrUnsupported.
func (r *Region) Resident() (int, error) { return 0, errors.ErrUnsupported }
