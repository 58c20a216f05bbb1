//go:build !linux

package mmap

import "os"

// fillHoles does nothing outside Linux: the holes of a sparse file stay,
// and a write through a mapping into one may fault on a full disk.
func fillHoles(f *os.File, size int64) error { return nil }
