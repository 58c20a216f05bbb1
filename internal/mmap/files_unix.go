//go:build unix

package mmap

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// OpenFile opens the file name as os.OpenFile does, and refuses anything
// but a regular file, reached directly or through symbolic links, with an
// error that says what is there and matches layout.ErrCorrupt.
//
// It never blocks: the file is opened with O_NONBLOCK, so that a named
// pipe without a writer does not wait for one; its type is then read from
// the open descriptor (nothing can be swapped in between), and a regular
// file is put back in blocking mode. Its errors name no file (see
// Errors in the package doc).
func OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(name, flag|unix.O_NONBLOCK|unix.O_CLOEXEC, uint32(perm.Perm()))
		return err
	})
	switch {
	case errors.Is(err, unix.EISDIR), errors.Is(err, unix.ENXIO):
		// A directory opened to write, a named pipe without a reader
		// opened to write, a socket: refused by the kernel already.
		return nil, notRegular(fileKind(statType(name)))
	case err != nil:
		return nil, err
	}
	if err := checkRegular(fd, name); err != nil {
		_ = unix.Close(fd) // the error that matters is why it is refused
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// checkRegular refuses an open descriptor that is not a regular file, and
// puts one that is back in blocking mode.
func checkRegular(fd int, name string) error {
	var st unix.Stat_t
	err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) })
	if err == nil {
		if typ := uint32(st.Mode) & unix.S_IFMT; typ != unix.S_IFREG {
			return notRegular(fileKind(typ))
		}
		err = unix.SetNonblock(fd, false)
	}
	if err != nil {
		return err
	}
	return nil
}

// statType returns the type of the file at name, for the error of an open
// that the kernel refused because of it.
func statType(name string) uint32 {
	var st unix.Stat_t
	if err := unix.Stat(name, &st); err != nil {
		return 0
	}
	return uint32(st.Mode) & unix.S_IFMT
}

// fileKind names a file type other than a regular file (S_IFMT bits).
func fileKind(typ uint32) string {
	switch typ {
	case unix.S_IFIFO:
		return "a named pipe"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "a device"
	case unix.S_IFSOCK:
		return "a socket"
	}
	return "a special file"
}
