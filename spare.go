package diskmap

import (
	"errors"
	"fmt"
	"os"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// The spare table. In the WAL modes the table is mapped copy-on-write and
// a checkpoint writes it whole aside, then puts it in place of buckets, so
// that buckets only ever holds a checkpoint's table. Writing aside takes
// the space of a whole table. So that a checkpoint never needs free space,
// and a map on a full disk can always close and open, that space is held
// beforehand in buckets.spare, a file the size of the table with its space
// allocated: a checkpoint writes the table into it and exchanges it with
// buckets, so that the old table's file, with its space, is the next
// spare. Where the system cannot exchange two files, the spare is renamed
// over buckets and the next spare is allocated from the space the old
// table freed. A table that grows reserves the spare's new size first.
//
// If no spare can be had after all (the map was created by format version
// 1 or in DurabilityOS, or the disk was full when the spare was to be
// allocated), a checkpoint needs room for a table like before, and without
// it the log stays the record of what changed since the last checkpoint:
// Close syncs the log and leaves the map dirty (keepLog), and recovery
// goes on from the replayed log without writing a table (resumeLog).

// holdSpare makes buckets.spare hold, in the WAL modes, the space of a
// table the size of the map's, if the disk has room: then the next
// checkpoint needs none. Without room it leaves the spare as it is, and
// checkpoints look for room again; the one error it returns is for a
// spare that is not a regular file (ErrCorrupt), which no checkpoint could
// write into.
func (c *core) holdSpare() error {
	if !c.logged() || c.readOnly {
		return nil
	}
	if err := c.reserveSpare(c.tab.log2); errors.Is(err, ErrCorrupt) {
		return err
	}
	return nil
}

// reserveSpare grows buckets.spare, creating it if need be, to the size
// of a table of 2^log2 slots, with its space allocated. It never shrinks
// the file.
func (c *core) reserveSpare(log2 uint8) error {
	f, err := c.opts.files.OpenFile(c.path(spareFile), os.O_RDWR|os.O_CREATE, c.opts.FilePerm)
	if err != nil {
		return fmt.Errorf("diskmap: reserving %s: %w", c.path(spareFile), err)
	}
	err = c.opts.files.Allocate(f, tableBytes(log2))
	if cerr := f.Close(); err == nil {
		err = mmap.Cause(cerr)
	}
	if err != nil {
		return fmt.Errorf("diskmap: reserving %s: %w", c.path(spareFile), err)
	}
	return nil
}

// spareTable returns buckets.spare as an empty table of 2^log2 slots,
// mapped read-write, to build the next table in. The file is cut to that
// size or grown to it with real allocation, which needs free space only if
// the spare was smaller or missing.
func (c *core) spareTable(log2 uint8) (*table, error) {
	path := c.path(spareFile)
	f, err := c.opts.files.OpenFile(path, os.O_RDWR|os.O_CREATE, c.opts.FilePerm)
	if err != nil {
		return nil, fmt.Errorf("diskmap: preparing %s: %w", path, err)
	}
	t := &table{f: f, path: path, files: c.opts.files, mode: mmap.ReadWrite}
	fi, err := f.Stat()
	err = mmap.Cause(err)
	size := tableBytes(log2)
	if err == nil && fi.Size() > size {
		err = c.opts.files.Truncate(f, size)
	}
	if err == nil {
		err = c.opts.files.Allocate(f, size)
	}
	if err != nil {
		_ = t.close()
		return nil, fmt.Errorf("diskmap: preparing %s: %w", path, err)
	}
	if err := t.mapFile(log2); err != nil {
		_ = t.close()
		return nil, err
	}
	clear(t.data)
	return t, nil
}

// swapIn puts the table file at path in place of buckets. The spare is
// exchanged with buckets where the system can, so that the old table's
// file becomes the spare; else, as any other table, it is renamed over
// buckets. It reports whether the spare is gone.
func (c *core) swapIn(path string) (spareGone bool, err error) {
	buckets := c.path(bucketsFile)
	if path == c.path(spareFile) {
		err := c.opts.files.Exchange(path, buckets)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, errors.ErrUnsupported) {
			return false, fmt.Errorf("diskmap: exchanging %s and %s: %w", path, buckets, err)
		}
		spareGone = true
	}
	if err := c.opts.files.Rename(path, buckets); err != nil {
		return spareGone, fmt.Errorf("diskmap: renaming %s to %s: %w", path, buckets, err)
	}
	return spareGone, nil
}
