package diskmap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

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
	logged := c.hdr.Flags&layout.FlagWAL != 0
	version, checkpoint := c.hdr.Version, c.hdr.Checkpoint
	c.bg.drain() // cutting maps the arenas again
	for _, a := range []*arena{c.keys, c.vals} {
		end := a.end
		if !logged {
			end = format.ScanEnd(a.data, a.end)
		}
		if err := a.cut(end); err != nil {
			return fmt.Errorf("recovering %s: %w", c.dir, err)
		}
	}
	private := c.tab.mode == mmap.Private
	if err := c.rebuild(private); err != nil {
		return err
	}
	tail, err := wal.Replay(c.opts.files, c.path(walFile), version, c.hdr.Generation, checkpoint, c.replay)
	if err != nil {
		return err
	}
	c.hdr.Checkpoint = tail.Last
	// From here on the map is written the way this Open asks, in the
	// current format version: the checkpoint below holds the old log.
	c.hdr.Version = layout.Version
	c.hdr.Flags &^= layout.FlagWAL
	if c.logged() {
		c.hdr.Flags |= layout.FlagWAL
	}
	if private {
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

// rebuild replaces the table by one holding only the slots whose records are
// whole, each once. It is built aside, in buckets.grow and installed, or,
// inMemory, in memory and copied into the private mapping of the table.
func (c *core) rebuild(inMemory bool) error {
	var t *table
	if inMemory {
		t = memTable(c.tab.path, c.tab.log2)
	} else {
		var err error
		if t, err = createTable(c.opts.files, c.path(bucketsFile+growSuffix), c.tab.log2); err != nil {
			return fmt.Errorf("recovering %s: %w", c.dir, err)
		}
	}
	// Records are walked first: a slot must point at one of them.
	ks, _ := c.keys.records()
	vs, _ := c.vals.records()
	var count uint64
	c.keys.live, c.vals.live = 0, 0
	for i := range c.tab.mask + 1 {
		s := layout.ReadSlot(c.tab.slot(i))
		if !s.Occupied() {
			continue
		}
		kp, vlen, err := c.slotRecords(i, s, ks, vs)
		if err != nil {
			continue
		}
		if _, dup, _ := c.probeIn(t, kp, s.Fingerprint); dup {
			continue
		}
		s.ValueLen = vlen
		if err := t.place(s); err != nil {
			_ = t.close()
			return err
		}
		count++
		c.keys.live += layout.RecordSize(len(kp))
		c.vals.live += layout.RecordSize(int(vlen))
	}
	if inMemory {
		copy(c.tab.slots, t.slots)
		c.hdr.Count, c.hdr.Tombstones = count, 0
		return nil
	}
	h := c.hdr
	h.Count, h.Tombstones = count, 0
	return c.installTable(t, &h)
}

// truncateFile cuts the file at path, if there is one, to nothing.
func truncateFile(files mmap.FS, path string) error {
	f, err := files.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = files.Truncate(f, 0)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		return fmt.Errorf("diskmap: emptying %s: %w", path, err)
	}
	return nil
}
