package mmap

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// fallocate is unix.Fallocate, a variable so that tests can make it fail.
var fallocate = unix.Fallocate

// grow allocates [from, to) with fallocate(2) and mode 0, which also sets
// the size when to is past it; fillHoles uses it for holes inside the
// file. File systems without fallocate get zeros written instead.
func grow(f *os.File, from, to int64) error {
	err := ignoringEINTR(func() error {
		return fallocate(int(f.Fd()), 0, from, to-from)
	})
	if errors.Is(err, unix.EOPNOTSUPP) {
		return growByWriting(f, from, to)
	}
	if err != nil {
		return os.NewSyscallError("fallocate", err)
	}
	return nil
}
