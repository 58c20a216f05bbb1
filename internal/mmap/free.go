package mmap

import (
	"errors"
)

// FreeSpace returns how many bytes the file system holding dir has free
// for this process to allocate: on Unix the blocks available to
// unprivileged users (statfs f_bavail), on Windows what
// GetDiskFreeSpaceEx grants the caller. Where there is no such call it
// returns an error matching errors.ErrUnsupported.
func FreeSpace(dir string) (int64, error) {
	n, err := freeSpace(dir)
	if err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return 0, Cause(err)
	}
	return n, err
}
