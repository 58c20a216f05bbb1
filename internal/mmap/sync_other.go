//go:build unix && !linux && !darwin

package mmap

import (
	"os"
)

// Sync flushes f's data to stable storage with fsync(2).
func Sync(f *os.File) error {
	if err := f.Sync(); err != nil {
		return Cause(err)
	}
	return nil
}
