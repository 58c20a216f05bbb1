//go:build !linux

package mmap

import (
	"errors"
	"os"
)

// Clone makes dst share every block of src where the system can; here it
// cannot, and returns errors.ErrUnsupported for the caller to copy
// instead (see the Linux version).
func Clone(dst, src *os.File) error { return errors.ErrUnsupported }
