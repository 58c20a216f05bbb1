package diskmap

import (
	"errors"
	"fmt"
	"time"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Checkpoint writes the map files and their header to stable storage, and
// then, in the WAL modes, empties the log. It runs by itself when the log
// passes Options.WALCheckpointBytes, when the table grows, at Compact and
// at Close. In the WAL modes it needs no free disk space but the space the
// map holds for its next table (see Close); without that, it returns the
// error and the log goes on holding every change.
func (m *Map[K, V]) Checkpoint() error {
	if err := m.usable(); err != nil {
		return err
	}
	if m.readOnly || !m.hdr.Dirty() {
		return nil
	}
	return m.checkpoint(true)
}

// checkpoint makes every change durable: the arenas and the table first,
// then the header, dirty if the map stays open, clean if it is closing.
// The header records the last logged mutation, and the log starts again.
// With a log, the table is written aside, into the spare, and put in place
// (see table and spare.go), so a crash never leaves a file between two
// checkpoints; without room for it, see keepLog.
//
// While the table grows (see grow.go): in the WAL modes the checkpoint
// finishes the moving and writes the new table; in DurabilityOS it waits
// for an install under way, and then makes both tables durable, unless it
// is the last one before Close, which ends the growth first.
func (c *core) checkpoint(stayOpen bool) error {
	start := time.Now()
	err := c.checkpointFiles(stayOpen)
	if err == nil {
		c.logDebug("diskmap: checkpoint", "took", time.Since(start), "closing", !stayOpen)
	}
	return err
}

// checkpointFiles is checkpoint but for what it logs.
func (c *core) checkpointFiles(stayOpen bool) error {
	c.settlePrepare() // no file of the map changes beside a checkpoint
	if err := c.syncStruck(); err != nil {
		return err
	}
	if c.tab.mode == mmap.Private {
		if c.growing != nil {
			return c.checkpointGrown(stayOpen)
		}
		t, err := c.spareTable(c.tab.log2)
		if err != nil {
			return c.keepLog(stayOpen, err)
		}
		return c.checkpointInto(t, stayOpen)
	}
	if err := c.settleGrowth(stayOpen); err != nil {
		return err
	}
	if err := c.flushArenas(); err != nil {
		return err
	}
	if err := c.flushGrowing(); err != nil {
		return err
	}
	if err := c.tab.flush(); err != nil {
		return err
	}
	c.hdr.Checkpoint = c.lastSeq()
	if !stayOpen {
		c.hdr.Flags &^= layout.FlagDirty | layout.FlagWAL
	}
	if err := c.writeHeader(); err != nil {
		return err
	}
	if c.log != nil {
		c.log.Reset(c.hdr.Generation)
	}
	return nil
}

// checkpointInto is a checkpoint of a private table, written into t.
func (c *core) checkpointInto(t *table, stayOpen bool) error {
	copy(t.slots, c.tab.slots)
	h := c.hdr
	if !stayOpen {
		h.Flags &^= layout.FlagDirty | layout.FlagWAL
	}
	return c.installTable(t, &h)
}

// checkpointGrown is a checkpoint in the WAL modes while the table grows:
// the slots left are moved, and the new table, allocated when the growth
// began, is written into its own file, buckets.next, and installed in
// place of buckets. It needs no free space, and leaves the spare as it
// was, the size of the new table since the growth began.
func (c *core) checkpointGrown(stayOpen bool) error {
	c.moveSlots(c.tab.mask + 1)
	if err := c.usable(); err != nil {
		return err
	}
	next := c.growing.next
	c.growing = nil // installTable closes next, and reopens buckets as it
	h := c.hdr
	if !stayOpen {
		h.Flags &^= layout.FlagDirty | layout.FlagWAL
	}
	err := c.installTable(next, &h)
	if err != nil && c.failed == nil {
		// The table in place is the last checkpoint's, and next, closed,
		// held every change since: the log has them, for the next Open.
		c.failed = fmt.Errorf("%s: reopen the map: %w", c.dir, err)
		return c.failed
	}
	if err == nil {
		c.logDebug("diskmap: table grown", "slots", c.tab.mask+1, "keys", c.hdr.Count)
	}
	return err
}

// settleGrowth readies a growing table in DurabilityOS for a checkpoint:
// it waits for an install under way; it ends the growth before Close (not
// stayOpen), so that a map closed cleanly never has a buckets.next, and
// when the header, still the old table's, would count more keys and
// tombstones than that table has slots, which no valid header does.
func (c *core) settleGrowth(stayOpen bool) error {
	g := c.growing
	switch {
	case g == nil:
		return nil
	case !stayOpen || c.hdr.Count+c.hdr.Tombstones > c.tab.mask+1:
		return c.endGrowth()
	case g.install != nil:
		return c.waitInstall()
	}
	return nil
}

// flushGrowing makes the new table of a growing table durable in
// DurabilityOS, with its name in the directory once, so that after a
// power loss buckets and buckets.next hold what the checkpoint holds.
func (c *core) flushGrowing() error {
	g := c.growing
	if g == nil {
		return nil
	}
	if err := g.next.flush(); err != nil {
		return err
	}
	if !g.dirSynced {
		if err := c.syncDir(); err != nil {
			return err
		}
		g.dirSynced = true
	}
	return nil
}

// installTable makes t, built aside in buckets.grow or buckets.spare, the
// map's table: it writes h as t's header, syncs t, and puts it in place of
// buckets (swapIn). Both tables are closed first, as some systems cannot
// rename over an open file, and the one in place afterwards is opened
// again. If t cannot be installed the old table stays, and t is removed
// unless it is the spare.
//
// Installing is a checkpoint: the arenas are synced first, since the
// header records their ends, and it records the last logged mutation;
// then the log starts again.
func (c *core) installTable(t *table, h *layout.Header) error {
	c.bg.drain() // it unmaps both tables itself
	h.Log2 = t.log2
	err := c.syncStruck()
	if err == nil {
		err = c.flushArenas()
	}
	h.Checkpoint = c.lastSeq()
	hdr := *h
	c.fillCounters(&hdr)
	format.WriteMeta(t.data, &hdr, 1)
	if err == nil {
		err = t.persist()
	}
	err = errors.Join(err, t.close())
	if err != nil {
		c.removeAside(t.path)
		return fmt.Errorf("building the new table: %w", err)
	}
	keep := c.hdr
	if c.tab != nil {
		err = c.tab.close()
		c.tab = nil
	}
	spareGone := false
	if err == nil {
		spareGone, err = c.swapIn(t.path)
	}
	installed := err == nil
	if installed {
		err = c.syncDir()
	} else {
		c.removeAside(t.path)
	}
	if err != nil {
		err = fmt.Errorf("installing the new table: %w", err)
	}
	tab, got, cur, oerr := openTable(c.opts.files, c.path(bucketsFile), c.tableMode())
	if oerr != nil {
		c.failed = errors.Join(err, oerr)
		return c.failed
	}
	c.tab, c.hdr, c.cur = tab, got, cur
	c.tableChanged()
	if installed && spareGone {
		_ = c.holdSpare() // from the space the old table freed; without room, the next checkpoint looks again
	}
	switch {
	case installed && c.log != nil:
		c.log.Reset(c.hdr.Generation)
	case !installed && tab.mode == mmap.Private:
		// The old table's file is the last checkpoint: what changed since
		// is in the log, for the next Open to replay.
		c.failed = fmt.Errorf("%s: reopen the map: %w", c.dir, err)
		return c.failed
	case !installed:
		keep.Seq = got.Seq // the old table's header is stale: keep the counters
		c.hdr = keep
	}
	return err
}

// fillCounters copies the in-memory counters of the arenas into h, a
// header about to be written, and records its values arena's end as the
// durable end: in the WAL modes no value record below it is written again,
// and the twins are forgotten (see twins.settle).
func (c *core) fillCounters(h *layout.Header) {
	h.KeysEnd, h.KeysLive = uint64(c.keys.end), uint64(c.keys.live)
	h.ValuesEnd, h.ValuesLive = uint64(c.vals.end), uint64(c.vals.live)
	c.twins.settle(c.vals.end)
}

// writeHeader writes the header, with the current counters, to the older
// copy and makes it durable.
func (c *core) writeHeader() error {
	c.fillCounters(&c.hdr)
	c.cur = format.WriteMeta(c.tab.data, &c.hdr, c.cur)
	return c.tab.flushMeta()
}

// removeAside removes a table built aside that was not installed, unless
// it is the spare, whose space is held.
func (c *core) removeAside(path string) {
	if path != c.path(spareFile) {
		_ = c.opts.files.Remove(path)
	}
}

func (c *core) flushArenas() error {
	for _, a := range []*arena{c.keys, c.vals} {
		if err := a.flush(); err != nil {
			return err
		}
	}
	return nil
}
