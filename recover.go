package diskmap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

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
func (c *core) recover() error {
	logged := c.hdr.Flags&layout.FlagWAL != 0
	for _, a := range []*arena{c.keys, c.vals} {
		end := a.end
		if !logged {
			end = layout.ScanEnd(a.data, a.end)
		}
		if err := a.cut(end); err != nil {
			return fmt.Errorf("diskmap: recovering %s: %w", a.path, err)
		}
	}
	if err := c.rebuild(); err != nil {
		return err
	}
	tail, err := wal.Replay(c.path(walFile), c.hdr.Version, c.hdr.Generation, c.hdr.Checkpoint, c.replay)
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
	if err := c.checkpoint(true); err != nil {
		return err
	}
	if err := truncateFile(c.path(walFile)); err != nil {
		return fmt.Errorf("diskmap: %w", err)
	}
	return nil
}

// rebuild replaces the table by one holding only the slots whose records are
// whole, each once.
func (c *core) rebuild() error {
	t, err := createTable(c.path(bucketsFile+growSuffix), c.tab.log2)
	if err != nil {
		return fmt.Errorf("diskmap: recovering %s: %w", c.dir, err)
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
			t.close()
			return err
		}
		count++
		c.keys.live += layout.RecordSize(len(kp))
		c.vals.live += layout.RecordSize(int(vlen))
	}
	h := c.hdr
	h.Count, h.Tombstones = count, 0
	return c.installTable(t, &h)
}

// replay applies one frame of the log.
func (c *core) replay(_ uint64, payload []byte) error {
	return wal.Ops(payload, func(op byte, kb, vb []byte) error {
		fp := layout.Fingerprint(c.hash(kb))
		i, found, err := c.probe(kb, fp)
		switch {
		case err != nil:
			return err
		case op == wal.OpPut:
			_, err = c.store(i, found, kb, fp, vb)
		case found:
			err = c.remove(i, kb)
		}
		return err
	})
}

// cut moves the end of the arena to end and cuts the file there: what lies
// beyond was being written when the map went down.
func (a *arena) cut(end int64) error {
	a.end = end
	a.unmap()
	if err := mmap.Files.Truncate(a.f, end); err != nil {
		return err
	}
	return a.remap(end, true)
}

// finishCompaction completes or undoes a compaction that was cut short, and
// removes a table that was being grown: see package layout, Compact.
func (c *core) finishCompaction() error {
	remove := func(names ...string) error {
		for _, n := range names {
			if err := mmap.Files.Remove(c.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("diskmap: %w", err)
			}
		}
		return nil
	}
	if err := remove(bucketsFile + growSuffix); err != nil {
		return err
	}
	if !exists(c.path(bucketsFile + compactExt)) {
		return remove(keysFile+compactExt, valuesFile+compactExt)
	}
	if exists(c.path(keysFile + compactExt)) {
		// Not committed. buckets.compact goes first: while it is there
		// beside no keys.compact, the compaction counts as committed.
		if err := remove(bucketsFile + compactExt); err != nil {
			return err
		}
		if err := mmap.Files.SyncDir(c.dir); err != nil {
			return err
		}
		return remove(keysFile+compactExt, valuesFile+compactExt)
	}
	for _, n := range []string{valuesFile, bucketsFile} {
		if !exists(c.path(n + compactExt)) {
			continue
		}
		if err := mmap.Files.Rename(c.path(n+compactExt), c.path(n)); err != nil {
			return fmt.Errorf("diskmap: finishing compaction: %w", err)
		}
	}
	return mmap.Files.SyncDir(c.dir)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// truncateFile cuts the file at path, if there is one, to nothing.
func truncateFile(path string) error {
	f, err := mmap.Files.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return errors.Join(mmap.Files.Truncate(f, 0), f.Close())
}
