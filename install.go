package diskmap

import (
	"fmt"
	"os"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// The install of a grown table, in DurabilityOS. Once every slot has moved
// into buckets.next, it replaces buckets: its header is written, the file
// synced, renamed over buckets, and the directory synced. Until the sync
// of the file is done, buckets must stay: a power loss would lose what the
// new table holds and the disk does not, keys synced long ago among them,
// which only the old table holds for sure. Syncing a table the writes have
// filled takes as long as writing it, hundreds of milliseconds at a few
// million keys, so it runs in a goroutine, beside the writes, which go on
// mirroring into the old table meanwhile (see grow.go). The writer polls
// it at each write. A checkpoint, Close, Compact and the next growth wait
// for it first: they write the header, which belongs to whichever table is
// buckets.
//
// A write through the mapping to a page of a file being synced waits for
// the write-back of that page, milliseconds on a busy machine. So, while
// buckets.next is synced, a new key does not go into it (from an old
// table of 2^asideMinLog2 slots on): it is put aside
// in the old table, at the empty slot that ends its probe there, where
// after a crash recovery finds it, as buckets.next does not hold it (see
// package layout, Grow). Lookups that miss in the new table then look in
// the old one too. Once the sync is done, the keys put aside move into the
// new table, settleStep at each write, and only then is it renamed over
// buckets. The old table takes keys aside only up to asideLoad of its
// slots; past that a new key goes into the new table, as before. Updates
// and deletes of keys the new table holds are made to it: recovery takes
// a key from buckets.next before buckets.
//
// The goroutine touches nothing the writer changes: the file of the new
// table, its path and the directory, through the map's file system, and it
// reports on a channel.

// asideLoad is the share of the old table's slots, used or deleted, past
// which no key is put aside in it: its probes stay short.
const asideLoad = 0.875

// asideMinLog2 is the log2 of the smallest old table that keys are put
// aside in: a smaller new table is synced in a few milliseconds at most.
const asideMinLog2 = 16

// settleStep is how many keys put aside a write moves into the new table.
const settleStep = 16

// install is an install under way.
type install struct {
	done   chan installed
	cur    int           // the header copy of the new table written
	hdr    layout.Header // the header written into it
	synced bool          // the sync of the new table is done
	// renaming is set once the rename is started, after the keys put
	// aside have moved.
	renaming bool
}

// installed is what a step of an install reports: its error, and whether
// it renamed the new table over buckets.
type installed struct {
	renamed bool
	err     error
}

// startInstall writes the header of the new table and starts the install,
// in a goroutine unless now is set. Where a file cannot be renamed while
// it is mapped (Windows) the table is installed as one built aside is,
// both tables closed first (installTable), by the writer.
func (c *core) startInstall(now bool) {
	g := c.growing
	if !mmap.RenamesMapped {
		c.growing = nil
		h := c.hdr
		c.installErr = c.installTable(g.next, &h)
		if c.installErr != nil && c.failed == nil {
			c.failed = fmt.Errorf("%s: reopen the map: %w", c.dir, c.installErr)
		}
		return
	}
	h := c.nextHeader()
	cur := format.WriteMeta(g.next.data, &h, 0) // copy 1: copy 0 keeps the header of its creation
	in := &install{done: make(chan installed, 1), cur: cur, hdr: h}
	g.install = in
	next := g.next
	c.runInstall(in, now, func() installed { return installed{err: next.flush()} })
	if now {
		c.finishInstall()
	}
}

// runInstall runs a step of the install, in a goroutine unless now is set,
// for the writer to take its report from in.done.
func (c *core) runInstall(in *install, now bool, step func() installed) {
	if now {
		in.done <- step()
		return
	}
	c.bg.wg.Add(1)
	go func() {
		defer c.bg.wg.Done()
		in.done <- step()
	}()
}

// startRename starts the last step of the install, once the new table is
// synced and holds every key: its rename over buckets and the sync of the
// directory.
func (c *core) startRename(now bool) {
	in := c.growing.install
	in.renaming = true
	from, to := c.growing.next.path, c.path(bucketsFile)
	c.runInstall(in, now, func() installed {
		if err := c.opts.files.Rename(from, to); err != nil {
			return installed{err: fmt.Errorf("diskmap: renaming %s to %s: %w", from, to, err)}
		}
		return installed{renamed: true, err: c.syncDir()}
	})
}

// pollInstall takes the install a step on, without waiting: it takes in
// what a step reported, and moves settleStep keys put aside once the sync
// is done.
func (c *core) pollInstall() {
	in := c.growing.install
	if in.synced && !in.renaming {
		c.settle(settleStep)
		if c.usable() == nil && !c.growing.aside() {
			c.startRename(false)
		}
		return
	}
	select {
	case r := <-in.done:
		c.stepDone(r)
	default:
	}
}

// stepDone takes in what a step of the install reported.
func (c *core) stepDone(r installed) {
	in := c.growing.install
	if in.synced || r.err != nil {
		c.installDone(r)
		return
	}
	in.synced = true
	c.logDebug("diskmap: grown table synced", "slots", c.growing.next.mask+1, "keys aside", len(c.growing.keysAside))
}

// waitInstall waits for the install under way, or runs it now if none
// is, or the last one failed before its rename, and returns its error.
func (c *core) waitInstall() error {
	if c.growing != nil && c.growing.install == nil {
		c.startInstall(true)
	} else {
		c.finishInstall()
	}
	return c.installResult()
}

// finishInstall takes the install under way to its end, unless the map
// fails first.
func (c *core) finishInstall() {
	for c.growing != nil && c.growing.install != nil && c.usable() == nil {
		in := c.growing.install
		if in.synced && !in.renaming {
			c.settle(len(c.growing.keysAside))
			if c.usable() == nil {
				c.startRename(true)
			}
			continue
		}
		c.stepDone(<-in.done)
	}
}

// installResult is the error of the last install.
func (c *core) installResult() error {
	if c.growing != nil {
		if err := c.usable(); err != nil {
			return err
		}
		return c.installErr
	}
	return c.usable()
}

// installDone takes in the end of an install. Renamed, the new table is
// buckets: the old one is let go, to be unmapped in the background, and
// the growth is over; if the directory could not be synced after the
// rename, the map fails, since which table the disk holds as buckets is
// not known. Not renamed, the keys put aside move into the new table, and
// the growth stays as it was, all moved: the next checkpoint, Close or
// growth installs it again and returns the error.
func (c *core) installDone(r installed) {
	g := c.growing
	in := g.install
	g.install = nil
	c.installErr = r.err
	if !r.renamed {
		c.settle(len(g.keysAside))
		return
	}
	c.growing = nil
	old := c.tab
	c.tab, c.cur = g.next, in.cur
	c.logDebug("diskmap: table grown", "slots", c.tab.mask+1, "keys", c.hdr.Count)
	c.hdr.Log2, c.hdr.Seq = in.hdr.Log2, in.hdr.Seq
	c.tableChanged()
	if err := old.retire(&c.bg); r.err == nil {
		r.err = err
	}
	// The open file still bears the old name: open it again by its new
	// one, for what names it. If that fails the old one serves as well.
	buckets := c.path(bucketsFile)
	if f, err := c.opts.files.OpenFile(buckets, os.O_RDWR, 0); err == nil {
		_ = c.tab.f.Close() // the same file, open again: closing loses nothing
		c.tab.f = f
	}
	c.tab.path = buckets
	if r.err != nil {
		c.failed = fmt.Errorf("%s: installing the grown table: reopen the map: %w", c.dir, r.err)
	}
}

// putsAside reports whether a new key goes aside into the old table: the
// new table is being synced, and the old one has room under asideLoad.
func (c *core) putsAside() bool {
	g := c.growing
	return g != nil && g.install != nil && !g.install.synced && c.tab.log2 >= asideMinLog2 &&
		float64(g.oldUsed+uint64(len(g.keysAside))+1) <= asideLoad*float64(c.tab.mask+1)
}

// aside reports whether keys put aside are still only in the old table.
func (g *growth) aside() bool { return g.settled < len(g.keysAside) }

// settle moves up to n keys put aside into the new table, those deleted
// since dropped. Moving cannot fail: the new table has room for every
// key (see full).
func (c *core) settle(n int) {
	g := c.growing
	for ; n > 0 && g.aside(); n-- {
		s := layout.ReadSlot(c.tab.slot(g.keysAside[g.settled]))
		if s.Occupied() {
			if _, err := g.next.place(s); err != nil {
				c.failed = fmt.Errorf("%s: reopen the map: %w", c.dir, err)
				return
			}
			if s.Expires() {
				c.sweep.wake() // the sweep may have passed its place in the new table
			}
		}
		g.settled++
	}
}
