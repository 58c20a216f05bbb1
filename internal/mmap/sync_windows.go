//go:build windows

package mmap

import (
	"os"
)

// Sync flushes f's data to stable storage with FlushFileBuffers.
func Sync(f *os.File) error {
	if err := f.Sync(); err != nil {
		return Cause(err)
	}
	return nil
}

// SyncDir does nothing on Windows: NTFS journals creations and renames, and
// a directory cannot be opened for FlushFileBuffers through os.Open.
func SyncDir(dir string) error {
	return nil
}
