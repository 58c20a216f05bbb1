//go:build !linux

package durable

import "os"

// datasync flushes f to stable storage: an fsync.
func datasync(f *os.File) error { return f.Sync() }
