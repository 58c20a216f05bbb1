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
// it at each write and, once it is done, lets the old table go. A
// checkpoint, Close, Compact and the next growth wait for it first: they
// write the header, which belongs to whichever table is buckets.
//
// The goroutine touches nothing the writer changes: the file of the new
// table, its path and the directory, through the map's file system, and it
// reports on a channel.

// install is an install under way.
type install struct {
	done chan installed
	cur  int           // the header copy of the new table written
	hdr  layout.Header // the header written into it
}

// installed is what an install reports: its error, and whether it renamed
// the new table over buckets before it.
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
	next, buckets := g.next, c.path(bucketsFile)
	run := func() {
		var r installed
		if r.err = next.flush(); r.err == nil {
			if err := c.opts.files.Rename(next.path, buckets); err != nil {
				r.err = fmt.Errorf("diskmap: renaming %s to %s: %w", next.path, buckets, err)
			} else {
				r.renamed = true
				r.err = c.syncDir()
			}
		}
		in.done <- r
	}
	if now {
		run()
		c.pollInstall()
		return
	}
	c.bg.wg.Add(1)
	go func() {
		defer c.bg.wg.Done()
		run()
	}()
}

// pollInstall finishes an install that is done, and returns at once if it
// is not.
func (c *core) pollInstall() {
	select {
	case r := <-c.growing.install.done:
		c.installDone(r)
	default:
	}
}

// waitInstall waits for the install under way, or runs it now if none
// is, or the last one failed before its rename, and returns its error.
func (c *core) waitInstall() error {
	if c.growing != nil && c.growing.install != nil {
		c.installDone(<-c.growing.install.done)
	}
	if c.growing != nil {
		c.startInstall(true)
	}
	if c.growing != nil {
		return c.installErr
	}
	return c.usable()
}

// installDone takes in what an install reported. Renamed, the new table is
// buckets: the old one is let go, to be unmapped in the background, and
// the growth is over; if the directory could not be synced after the
// rename, the map fails, since which table the disk holds as buckets is
// not known. Not renamed, the growth stays as it was, all moved: the next
// checkpoint, Close or growth installs it again and returns the error.
func (c *core) installDone(r installed) {
	g := c.growing
	in := g.install
	g.install = nil
	c.installErr = r.err
	if !r.renamed {
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
