package diskmap

import (
	"errors"
	"fmt"
	"os"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// Close syncs the map, marks it closed cleanly and releases its files and
// lock. Views and entries taken from it are invalid afterwards: reading a
// view faults, even once the map is opened again (see the package
// documentation, Views). Closing a
// closed map returns ErrClosed. A map that failed (a step that left its
// files unusable, reported by every method since) is not marked clean:
// Close releases it and returns the error that failed it, and the next Open
// recovers it.
//
// In the WAL modes closing writes the table (a checkpoint) into space the
// map holds for it, so a full disk does not stop it. If that space could
// not be had (a map created in DurabilityOS or by format version 1, on a
// disk that has been full since), Close syncs the log instead and returns
// nil: nothing is lost, but the map is left as not closed cleanly, and the
// next Open for writing replays the log (a read-only Open returns
// ErrReadOnly until then).
func (m *Map[K, V]) Close() error {
	if m.closed {
		return ErrClosed
	}
	err := m.failed // a failed map stays dirty, for the next Open to recover
	if !m.readOnly && err == nil && m.hdr.Dirty() {
		err = m.checkpoint(false)
	}
	m.closed = true
	m.filesRetired++
	return errors.Join(err, m.closeFiles(err == nil && m.failed == nil && !m.logKept))
}

// closeFiles unmaps and closes every file and releases the lock. After a
// clean close the arena files are cut to their ends.
func (c *core) closeFiles(clean bool) error {
	c.bg.drain() // an install may be using the files; unmappings end too
	var errs []error
	for _, a := range []*arena{c.keys, c.vals} {
		if a == nil {
			continue
		}
		errs = append(errs, a.unmap())
		if clean && !c.readOnly {
			errs = append(errs, a.trim())
		}
		errs = append(errs, closeFile(a.f, a.path))
	}
	// Hand the retired mappings of the arenas to the process, which keeps
	// views of them faulting (see mmap.Space).
	for _, s := range []*mmap.Space{&c.keySpace, &c.valSpace} {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("diskmap: unmapping the arenas of %s: %w", c.dir, err))
		}
	}
	if c.tab != nil {
		errs = append(errs, c.tab.close())
	}
	if c.growing != nil {
		errs = append(errs, c.growing.next.close()) // a failed map's: the next Open reads it
		c.growing = nil
	}
	if c.prep != nil {
		if clean && !c.readOnly {
			errs = append(errs, c.dropPrepared())
		} else if c.settlePrepare(); c.prep.got.err == nil {
			errs = append(errs, c.prep.got.t.close()) // the next Open removes the file
		}
		c.prep = nil
	}
	if c.log != nil {
		errs = append(errs, c.log.Close(clean && !c.readOnly))
	}
	if c.lock != nil {
		if err := mmap.Unlock(c.lock); err != nil {
			errs = append(errs, fmt.Errorf("diskmap: unlocking %s: %w", c.path(lockFile), err))
		}
		errs = append(errs, closeFile(c.lock, c.path(lockFile)))
	}
	// The log stays: WaitSynced may still be reading it, and answers
	// ErrClosed, or nil for what was synced, once it is closed.
	c.keys, c.vals, c.tab, c.lock = nil, nil, nil, nil
	return errors.Join(errs...)
}

// closeFile closes f, the file at path.
func closeFile(f *os.File, path string) error {
	if err := f.Close(); err != nil {
		return fmt.Errorf("diskmap: closing %s: %w", path, mmap.Cause(err))
	}
	return nil
}
