package mmap

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// grow reserves to-from bytes past the file's last block with
// F_PREALLOCATE, contiguous if the disk allows, then sets the size. File
// systems without F_PREALLOCATE get zeros written instead.
func grow(f *os.File, from, to int64) error {
	fd := f.Fd()
	store := unix.Fstore_t{
		Flags:   unix.F_ALLOCATECONTIG | unix.F_ALLOCATEALL,
		Posmode: unix.F_PEOFPOSMODE,
		Length:  to - from,
	}
	err := unix.FcntlFstore(fd, unix.F_PREALLOCATE, &store)
	if err != nil && !errors.Is(err, unix.ENOTSUP) {
		store.Flags = unix.F_ALLOCATEALL // any blocks will do
		err = unix.FcntlFstore(fd, unix.F_PREALLOCATE, &store)
	}
	if errors.Is(err, unix.ENOTSUP) {
		return growByWriting(f, from, to)
	}
	if err != nil {
		return os.NewSyscallError("fcntl F_PREALLOCATE", err)
	}
	return f.Truncate(to)
}
