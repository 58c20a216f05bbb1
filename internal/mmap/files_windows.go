//go:build windows

package mmap

import (
	"io/fs"
	"os"
)

// OpenFile opens the file name as os.OpenFile does, and refuses anything
// but a regular file, reached directly or through symbolic links, with an
// error that says what is there and matches layout.ErrCorrupt.
// A directory on Windows holds no named pipes, so opening cannot block;
// the type is read from the open handle.
func OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, Cause(err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = notRegular(fileKind(fi.Mode()))
	}
	if err != nil {
		_ = f.Close() // the error that matters is why it is refused
		return nil, Cause(err)
	}
	return f, nil
}

// fileKind names a file type other than a regular file.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
