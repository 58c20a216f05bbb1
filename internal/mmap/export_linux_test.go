package mmap

import "golang.org/x/sys/unix"

// WithoutFallocate makes Allocate behave as on a file system without
// fallocate(2) until the returned function is called.
func WithoutFallocate() (restore func()) {
	fallocate = func(int, uint32, int64, int64) error { return unix.EOPNOTSUPP }
	return func() { fallocate = unix.Fallocate }
}
