package mmap

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Clone makes dst, an empty file, share every block of src (FICLONE): a
// copy that costs no data written, on file systems that share blocks
// between files (Btrfs, XFS, bcachefs, ...). Where the file system cannot
// (ext4, tmpfs, two file systems), the error matches
// errors.ErrUnsupported, and the caller copies instead.
func Clone(dst, src *os.File) error {
	err := ignoringEINTR(func() error { return unix.IoctlFileClone(int(dst.Fd()), int(src.Fd())) })
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EXDEV), errors.Is(err, unix.EINVAL),
		errors.Is(err, unix.ENOTTY), errors.Is(err, unix.ENOSYS):
		return fmt.Errorf("%w: %w", errors.ErrUnsupported, err)
	}
	return err
}
