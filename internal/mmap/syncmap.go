package mmap

import "os"

// SyncRange makes bytes [off, off+n) written through r, a shared mapping of
// f, durable, along with any other data written to f; fs syncs f. Where
// the system's fsync also writes back pages dirtied through mappings
// (Linux), that is one fdatasync; elsewhere the range is msynced first. It may run while
// other goroutines write through r, but not while r is unmapped.
func SyncRange(fs FS, f *os.File, r *Region, off, n int) error {
	if !syncCoversMappings && r != nil {
		if err := r.Flush(off, n); err != nil {
			return err
		}
	}
	return fs.Sync(f)
}
