package mmap

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Exchange swaps the files at paths a and b, which must both exist, in
// one atomic step: renameat2(2) with RENAME_EXCHANGE. Where the kernel or
// the file system cannot, it returns an error matching
// errors.ErrUnsupported, and nothing changes.
func Exchange(a, b string) error {
	err := ignoringEINTR(func() error {
		return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	})
	switch err {
	case nil:
		return nil
	case unix.EINVAL, unix.ENOSYS:
		return fmt.Errorf("%w (%v)", errors.ErrUnsupported, err)
	}
	return err
}
