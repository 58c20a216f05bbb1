package diskmap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// recover repairs a map that was not closed cleanly, as package layout
// specifies under Recover. Without a log it finds the true ends of the
// arenas; with one (FlagWAL) it cuts them back to the last checkpoint,
// whose table the file still holds. Then it rebuilds the table from the
// slots whose records are whole, replays the log, and checkpoints. Every
// step reads the old state, replaces it by a rename, or redoes what the log
// says, so recovery can be run again if it is cut short.
//
// In the WAL modes the table is private: it is rebuilt in memory, and the
// one checkpoint at the end writes it into the spare; with no room for
// that, the map goes on from the log (resumeLog).
func (c *core) recover() error {
	start := time.Now()
	c.recovery = Recovery{Ran: true}
	err := c.recoverFiles()
	if err == nil {
		c.recovered(start)
	}
	return err
}

// recoverFiles is recover but for what it records of itself.
func (c *core) recoverFiles() error {
	logged := c.hdr.Flags&layout.FlagWAL != 0
	version, checkpoint := c.hdr.Version, c.hdr.Checkpoint
	// Until its checkpoint writes a header of the current version, the
	// recovery keeps twins by the rule that retires none (see twins); its
	// checkpoint forgets them.
	keep := c.twins.keep
	c.twins.keep = false
	defer func() { c.twins.keep = keep }()
	c.bg.drain() // cutting maps the arenas again
	found := []*int64{&c.recovery.KeysFound, &c.recovery.ValuesFound}
	for n, a := range []*arena{c.keys, c.vals} {
		end := a.end
		if !logged {
			end = format.ScanEnd(a.data, a.end)
		}
		*found[n] = end - a.end
		if err := a.cut(end); err != nil {
			return fmt.Errorf("recovering %s: %w", c.dir, err)
		}
	}
	private := c.tab.mode == mmap.Private
	next, err := c.openNext(logged)
	if err != nil {
		return fmt.Errorf("recovering %s: %w", c.dir, err)
	}
	if err := c.rebuild(private && next == nil, next); err != nil {
		return err
	}
	tail, err := wal.Replay(c.opts.files, c.path(walFile), version, c.hdr.Generation, checkpoint, func(seq uint64, payload []byte) error {
		c.recovery.Frames++
		return c.replay(seq, payload)
	})
	if err != nil {
		return err
	}
	c.recovery.LogBytes = tail.End
	if c.growing != nil && !private {
		// The replay grew the table: a recovery leaves one table.
		if err := c.endGrowth(); err != nil {
			return err
		}
	}
	c.hdr.Checkpoint = tail.Last
	// From here on the map is written the way this Open asks, in the
	// current format version: the checkpoint below holds the old log.
	c.hdr.Version = layout.Version
	c.hdr.Flags &^= layout.FlagWAL
	if c.logged() {
		c.hdr.Flags |= layout.FlagWAL
	}
	if private && c.growing != nil { // the replay grew the table
		if err := c.checkpointGrown(true); err != nil {
			return err
		}
	} else if private {
		t, err := c.spareTable(c.tab.log2)
		switch {
		case err != nil && logged:
			return c.resumeLog(tail, checkpoint, version, err)
		case err != nil:
			return fmt.Errorf("recovering %s: %w", c.dir, err)
		}
		if err := c.checkpointInto(t, true); err != nil {
			return err
		}
	} else if err := c.checkpoint(true); err != nil {
		return err
	}
	return truncateFile(c.opts.files, c.path(walFile))
}

// recovered records how long the recovery that began at start took, and
// logs what it did.
func (c *core) recovered(start time.Time) {
	r := &c.recovery
	r.Took = time.Since(start)
	c.logInfo("diskmap: recovered", "took", r.Took, "keys", r.Keys, "dropped", r.Dropped,
		"keys_found", r.KeysFound, "values_found", r.ValuesFound, "frames", r.Frames, "log_bytes", r.LogBytes,
		"growing_table", r.GrowingTable)
}

// rebuild replaces the table by one holding only the slots whose records are
// whole, each once. It is built aside, in buckets.grow and installed, or,
// inMemory, in memory and copied into the private mapping of the table.
// With next, the table the map was growing into in DurabilityOS, the new
// table is as large as next and takes its slots first, then those of the
// table in place: a key in both is newer in next (see grow.go). Once the
// new table is in place, next is removed.
func (c *core) rebuild(inMemory bool, next *table) error {
	log2 := c.tab.log2
	if next != nil {
		log2 = max(log2, next.log2)
	}
	var t *table
	if inMemory {
		t = memTable(c.tab.path, log2)
	} else {
		var err error
		if t, err = createTable(c.opts.files, c.path(bucketsFile+growSuffix), c.opts.FilePerm, log2); err != nil {
			return errors.Join(fmt.Errorf("recovering %s: %w", c.dir, err), closeNext(next))
		}
	}
	// Records are walked first: a slot must point at one of them.
	ks, _ := c.keys.records(0)
	vs, _ := c.vals.records(int64(c.hdr.ValuesEnd))
	var count uint64
	c.keys.live, c.vals.live = 0, 0
	total := int64(c.tab.mask + 1)
	if next != nil {
		total += int64(next.mask + 1)
		c.recovery.GrowingTable = true
	}
	p := c.startProgress(OpRecover, total)
	var done int64
	var err error
	for _, from := range []*table{next, c.tab} {
		if from != nil && err == nil {
			err = c.keepWhole(t, from, ks, vs, &count, p, &done)
		}
	}
	p.end()
	c.recovery.Keys = int(count)
	err = errors.Join(err, closeNext(next))
	if err != nil {
		_ = t.close()
		return err
	}
	if inMemory {
		copy(c.tab.slots, t.slots)
		c.twins.forget() // the slots moved
		c.hdr.Count, c.hdr.Tombstones = count, 0
		return nil
	}
	h := c.hdr
	h.Count, h.Tombstones = count, 0
	if err := c.installTable(t, &h); err != nil || next == nil {
		return err
	}
	return c.removeNext()
}

// keepWhole places into t every slot of from whose records are whole and
// whose key t does not hold yet, and counts them; it counts the slots it
// drops in c.recovery, and those it looks at in done, reported to p.
func (c *core) keepWhole(t, from *table, ks, vs recordSet, count *uint64, p *progress, done *int64) error {
	for i := range from.mask + 1 {
		*done++
		p.at(*done)
		s := layout.ReadSlot(from.slot(i))
		if !s.Occupied() {
			continue
		}
		kp, vlen, err := c.slotRecords(from, i, s, ks, vs)
		if err != nil {
			c.recovery.Dropped++
			continue
		}
		if _, dup, _ := c.probeIn(t, kp, s.Fingerprint, nil); dup {
			continue
		}
		s.ValueLen = vlen | s.ValueLen&layout.SlotExpires
		if _, err := t.place(s); err != nil {
			return err
		}
		*count++
		c.keys.live += layout.RecordSize(len(kp))
		c.vals.live += slotValueBytes(s)
	}
	return nil
}

// openNext opens buckets.next, mapped read-only, if it holds part of the
// map being recovered: the table it was growing into in DurabilityOS. That
// is a buckets.next in a map whose header says it was not logged, of the
// generation in place, whose header is whole and gives its size, and
// whose table is at least as large as the one in place. Any other is
// removed: one left by the WAL modes, whose bytes never reach the file, or
// by a compaction, of another generation, or one whose header never
// reached the disk, which a Sync would have written there, so that it
// holds nothing written before the last Sync (see package layout, Grow).
func (c *core) openNext(logged bool) (*table, error) {
	path := c.path(nextFile)
	if !exists(path) {
		return nil, nil
	}
	if !logged {
		t, h, _, err := openTable(c.opts.files, path, mmap.ReadOnly)
		switch {
		case err == nil && h.Generation == c.hdr.Generation && t.log2 >= c.tab.log2:
			return t, nil
		case err == nil:
			err = t.close()
		case errors.Is(err, ErrCorrupt) || errors.Is(err, ErrVersion):
			err = nil
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, c.removeNext()
}

// removeNext removes buckets.next, if there is one, and syncs the
// directory.
func (c *core) removeNext() error {
	path := c.path(nextFile)
	if !exists(path) {
		return nil
	}
	err := c.opts.files.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("diskmap: removing %s: %w", path, err)
	}
	return c.syncDir()
}

// closeNext closes a buckets.next opened by openNext, if any.
func closeNext(next *table) error {
	if next == nil {
		return nil
	}
	return next.close()
}

// truncateFile cuts the file at path, if there is one, to nothing.
func truncateFile(files mmap.FS, path string) error {
	f, err := files.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = files.Truncate(f, 0)
		err = errors.Join(err, mmap.Cause(f.Close()))
	}
	if err != nil {
		return fmt.Errorf("diskmap: emptying %s: %w", path, err)
	}
	return nil
}
