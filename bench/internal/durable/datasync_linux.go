package durable

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync flushes f's data, and the metadata needed to read it back, to
// stable storage: fdatasync, as diskmap's log sync uses on Linux.
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
