package diskmap

import (
	"errors"
	"fmt"

	"github.com/diskmap-go/diskmap/layout"
)

// Errors returned by maps. Each can be matched with errors.Is; most come
// wrapped with the operation and the file they concern.
//
// A message says "diskmap: " once, at the error that began it: a sentinel
// below, a *CorruptError, or a message made in this package. Each wrap
// puts the operation and the file in front, and no prefix of its own:
//
//	diskmap: /data/m is in use by a writer, process 4242
//	compacting /data/m: diskmap: syncing /data/m/keys.compact: ...
//
// An error from outside the package, from the system or a codec, is
// wrapped where it enters, and that wrap says "diskmap: " with the
// operation and the file. Package concurrent follows the same rule with
// "concurrent: " for the errors it makes. An error that joins several
// (errors.Join) has one line for each, and each line follows the rule.
var (
	// ErrClosed is returned by every method of a closed map.
	ErrClosed = errors.New("diskmap: map is closed")

	// ErrLocked is returned by Open when another Map, in this process or
	// another, holds the directory: any other writer, or a reader when
	// opening for writing. The error is a *LockedError, which says who.
	ErrLocked = errors.New("diskmap: map is in use")

	// ErrReadOnly is returned by a write to a map opened with
	// Options.ReadOnly, and by a read-only Open of a map that was not closed
	// cleanly or whose compaction was cut short after its commit (open it
	// for writing once to recover it).
	ErrReadOnly = errors.New("diskmap: map is read-only")

	// ErrCodecMismatch is returned by Open when the map was created with
	// other codecs than the ones given.
	ErrCodecMismatch = errors.New("diskmap: codec mismatch")

	// ErrTooLarge is returned for a key longer than layout.MaxKeyLen, a value
	// longer than layout.MaxValueLen, or a write that would make an arena or
	// the table pass its limit: layout.MaxArenaSize and 2^32 slots, less on
	// a 32-bit system (256 MiB and 2^24 slots). Nothing was written then. Open
	// returns it for a map whose files are larger than this system maps,
	// which is not damage: a 64-bit system opens it.
	ErrTooLarge = errors.New("diskmap: too large")

	// ErrStale is returned by an Entry used after the map was changed by
	// something other than the entry, by DeleteFunc when its function
	// changed the map, and reported by Err when Compact, Clear or Close
	// ended an iteration early.
	ErrStale = errors.New("diskmap: stale entry or iterator")
)

// Errors about file contents, defined by package layout.
var (
	// ErrCorrupt is matched by every error reporting damaged or foreign bytes
	// in a map file; the error itself is a *CorruptError saying where.
	ErrCorrupt = layout.ErrCorrupt

	// ErrVersion is returned by Open for files of a format version this
	// package does not read.
	ErrVersion = layout.ErrVersion
)

// CorruptError says which file is damaged, at which offset, and how.
type CorruptError = layout.CorruptError

func hexa(v uint64) string { return fmt.Sprintf("%#x", v) }

// LockedError is the error of an Open that found the map's directory
// locked by another Map, for Options.LockTimeout if that was set. It
// matches ErrLocked.
type LockedError struct {
	Dir    string // the map's directory
	Writer bool   // a writer holds it; else one or more readers do
	PID    int    // the writer's process id, as it wrote it in the lock file; 0 if not known
}

func (e *LockedError) Error() string {
	switch {
	case !e.Writer:
		return fmt.Sprintf("diskmap: %s is in use by readers", e.Dir)
	case e.PID != 0:
		return fmt.Sprintf("diskmap: %s is in use by a writer, process %d", e.Dir, e.PID)
	}
	return fmt.Sprintf("diskmap: %s is in use by a writer", e.Dir)
}

// Unwrap returns ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }
