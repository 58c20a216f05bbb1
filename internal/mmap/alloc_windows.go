//go:build windows

package mmap

import "os"

// grow sets the end of file with SetEndOfFile; on NTFS that allocates the
// new range of a file that is not sparse, or fails with ERROR_DISK_FULL.
func grow(f *os.File, from, to int64) error {
	return f.Truncate(to)
}
