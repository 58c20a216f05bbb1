//go:build !linux

package mmap

import (
	"errors"
)

// Exchange would swap the files at paths a and b in one atomic step; this
// system has no such call, so it returns an error matching
// errors.ErrUnsupported and changes nothing.
func Exchange(a, b string) error {
	return errors.ErrUnsupported
}
