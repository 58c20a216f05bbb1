package diskmap

import (
	"fmt"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// Preparing the next table. Creating buckets.next and allocating its
// space takes milliseconds of waiting on the file system's journal on a
// busy disk, whatever the table's size; the write that starts a growth
// would wait for it. So, once the table nears its maximum load, a
// goroutine beside the writes creates the table the next growth needs, and
// the growth takes it when it starts. (The spare, which the writer's
// checkpoints cut, grow and exchange, is left to the growth.) The table
// prepared holds zeros and no header: found after a crash, it is removed
// (see package layout, Recover).
//
// A shared table is prefaulted whole as soon as it is made, by the
// background (background.go), so that the growth's first writes find its
// pages mapped in. Prefaulted only once its growth began, its first tens
// of thousands of writes each put a new key at a random page of it, ahead
// of the prefault, and faulted: up to a fifth of the 10,000 Puts after a
// growth began took over 50 µs (see bench/RESULTS.md). The price: a map
// that stops short of its growth keeps the next table's pages in memory,
// dirty, until it grows, closes or the kernel writes them back, as much
// memory as the growth will take.
//
// The goroutine touches nothing the writer reads: it makes a new file and
// its mapping, through the map's file system, queues its prefault, and
// hands them over on a channel. The writer waits for it before anything
// that changes the files as a whole: a growth, a checkpoint, Compact,
// Close.

// prepared is a table being prepared, or prepared, for the next growth.
type prepared struct {
	log2 uint8
	done chan preparedTable // receives once, when the goroutine is done
	got  *preparedTable     // what it received, once taken from done
}

// preparedTable is what the goroutine made: the table, or why not.
type preparedTable struct {
	t   *table
	err error
}

// prepareLead is how many keys before the maximum load, at least, the next
// table is prepared: milliseconds of writes at a microsecond or less each,
// time enough to create a file and allocate it. A table prepares its next
// one from 1/16 of its maximum load before it, or this many keys,
// whichever is more.
const prepareLead = 8192

// prepareMinLog2 is the log2 of the smallest table that prepares its next
// one beside the writes: 2^16 slots, whose next table is 2 MiB. A smaller
// one grows into a table the growth makes itself, a file of little to
// allocate, so that small maps, those of most tests among them, change
// their files only when a write or a method does.
const prepareMinLog2 = 16

// prepareNext starts preparing the table of the next growth, if the table
// is near its maximum load and none is being prepared (see the top of
// this file). Live writes call it, not a replay of the log: a recovery
// leaves no table prepared.
func (c *core) prepareNext() {
	if c.prep != nil || c.growing != nil || c.readOnly || c.failed != nil || c.tab.log2 < prepareMinLog2 {
		return
	}
	limit := c.opts.MaxLoad * float64(c.tab.mask+1)
	if float64(c.hdr.Count+c.hdr.Tombstones) < limit-max(limit/16, prepareLead) {
		return
	}
	log2, err := c.grownLog2(1)
	if err != nil {
		return // a growth would fail: the write that needs it says so
	}
	p := &prepared{log2: log2, done: make(chan preparedTable, 1)}
	c.prep = p
	mode, path, epoch := c.tab.mode, c.path(nextFile), c.bg.epoch.Load()
	run := func() {
		var r preparedTable
		r.t, r.err = createNext(c.opts.files, path, c.opts.FilePerm, log2, mode)
		switch {
		case r.err != nil:
			_ = c.opts.files.Remove(path) // what it left; the growth tries again itself
		case mode != mmap.Private:
			c.bg.prefaultSince(epoch, r.t.reg, 0, len(r.t.data), true) // a Close meanwhile cuts it short
		}
		p.done <- r
	}
	if c.testInstallNow { // a test follows every file operation: in the writer
		run()
		return
	}
	c.bg.wg.Add(1)
	go func() {
		defer c.bg.wg.Done()
		run()
	}()
}

// settlePrepare waits for the table being prepared, if any, and keeps it
// for the next growth.
func (c *core) settlePrepare() {
	if p := c.prep; p != nil && p.got == nil {
		r := <-p.done
		p.got = &r
	}
}

// takePrepared returns the table prepared for a growth into 2^log2 slots,
// waiting for it if need be, or nil if there is none of that size: then
// the growth makes its own. A table of another size is let go.
func (c *core) takePrepared(log2 uint8) *table {
	c.settlePrepare()
	p := c.prep
	if p == nil {
		return nil
	}
	c.prep = nil
	if p.got.err == nil && p.log2 == log2 {
		return p.got.t
	}
	_ = c.discard(p) // the growth creates the file again, or says why it cannot
	return nil
}

// dropPrepared lets go of a table prepared and not used: Compact replaced
// the table it was prepared for, or the map is closing. Its file is
// removed.
func (c *core) dropPrepared() error {
	c.settlePrepare()
	p := c.prep
	if p == nil {
		return nil
	}
	c.prep = nil
	return c.discard(p)
}

// discard closes and removes the table p prepared, if it made one.
func (c *core) discard(p *prepared) error {
	if p.got.err != nil {
		return nil
	}
	t := p.got.t
	c.bg.drain() // it may be being prefaulted
	err := t.close()
	if rerr := c.opts.files.Remove(t.path); rerr != nil && err == nil {
		err = fmt.Errorf("diskmap: removing %s: %w", t.path, rerr)
	}
	return err
}
