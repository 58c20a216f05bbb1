//go:build unix

package mmap

import (
	"os"
)

// SyncDir makes the creations, renames and removals in dir durable, by
// opening the directory and fsyncing it.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return Cause(err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Cause(err)
	}
	return nil
}
