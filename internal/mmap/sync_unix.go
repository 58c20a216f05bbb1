//go:build unix

package mmap

import (
	"fmt"
	"os"
)

// SyncDir makes the creations, renames and removals in dir durable, by
// opening the directory and fsyncing it.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("mmap: sync dir %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("mmap: sync dir %s: %w", dir, err)
	}
	return nil
}
