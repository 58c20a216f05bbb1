package diskmap

import (
	"errors"
	"fmt"
	"math"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Growing the table. Once live keys and tombstones pass the maximum load,
// the table grows into a new one, twice as large (or as large, to drop
// tombstones), in the file buckets.next: not all at once, which took a
// single write hundreds of milliseconds at a few million keys, but a few
// dozen old slots at each write (growStep), in table order from an empty
// slot on, around the end. While it grows:
//
//  1. The slots of the old table moved so far are whole clusters: a
//     moving step goes on past its budget until the last slot it moved is
//     empty. A key's home and its slot lie in one cluster, so a key whose
//     home is among the moved slots was moved too, and one whose home is
//     not is still in the old table, if anywhere there: its probe there
//     stays inside its cluster, and never meets a moved one.
//  2. A lookup probes the old table from the key's old home, unless that
//     home was moved, and then the new table. A key is in one of them:
//     new keys go to the new table only, and a key is never in both,
//     since a put finds it where it is first.
//  3. Moved slots stay in the old table, as they were. In DurabilityOS a
//     write to a key the new table holds does the same to that key's old
//     slot, if there is one (mirror): the old table, buckets, then still
//     holds every key, so that after a power loss buckets and
//     buckets.next together hold everything synced (see package layout,
//     Grow).
//  4. Once every slot is moved, lookups use the new table alone, and the
//     new table is put in place of buckets: in DurabilityOS in the
//     background (install), in the WAL modes by the next checkpoint.
//
// A write that would pass the new table's maximum load first finishes the
// growing, to grow again. So do Close, a checkpoint in the WAL modes, and
// a checkpoint in DurabilityOS whose header would count more keys and
// tombstones than the old table has slots; Compact abandons it (see
// compact.go).

// growth is a table growing into a larger one (or one as large): the
// moving of slots from the table in place, c.tab, into next.
type growth struct {
	next  *table
	start uint64 // the slot of the old table where moving began: an empty one
	moved uint64 // old slots moved, from start on, around the end; start counts
	// oldTombs counts the tombstones among the old slots not yet moved:
	// the header's tombstones count them, and the new table's, until the
	// moving drops them.
	oldTombs uint64
	// seq is the sequence number of the header buckets.next was created
	// with (DurabilityOS): the one its install writes is higher.
	seq uint64
	// dirSynced is set once the directory was synced with buckets.next in
	// it (DurabilityOS): a checkpoint syncs it once.
	dirSynced bool
	install   *install // the install under way in DurabilityOS, nil before
}

// growStep is how many old slots a write moves, at least: a step then goes
// on to the end of its cluster. At 64 a table grows in 1/64 as many writes
// as it has slots, while new keys fill at most 1/64 more of the old one's
// slots: its header, written by a Sync in DurabilityOS, never counts more
// keys than it has slots with MaxLoad at most 0.95.
const growStep = 64

// grow starts growing the table so that n more keys fit: into one as large
// when the live keys fill at most half the maximum load (the rest is
// tombstones), else twice as large, or more until they fit. A growth
// already under way is finished first. On failure, a full disk say, the
// table stays as it was. In the WAL modes the spare table grows to the
// new size first (see spare.go).
func (c *core) grow(n int) error {
	log2, err := c.grownLog2(n)
	if err != nil {
		return err
	}
	if c.growing != nil {
		if err := c.endGrowth(); err != nil {
			return err
		}
		if n > 0 && !c.full(n) {
			return nil
		}
	}
	next, prepared, err := c.nextTable(log2)
	if err != nil {
		return err
	}
	g := &growth{next: next, start: c.tab.firstEmpty(), moved: 1, oldTombs: c.hdr.Tombstones}
	c.growing = g
	c.logDebug("diskmap: table growing", "slots", c.tab.mask+1, "to", next.mask+1, "keys", c.hdr.Count)
	c.hdr.Resizes++
	if next.mode != mmap.Private {
		h := c.nextHeader()
		format.WriteMeta(next.data, &h, 1) // copy 0: marks the file as this map's table of that size
		g.seq = h.Seq
		// Moves and new keys write its pages first: map them in beside,
		// unless that began when it was prepared (prepare.go).
		if !prepared {
			c.bg.prefault(next.reg, 0, len(next.data), true)
		}
	}
	c.tableChanged()
	c.moveSlots(c.growStep())
	return nil
}

// nextTable returns the table of 2^log2 slots to grow into: the one
// prepared beside the writes (see prepare.go), and true, or else one made
// now. In the WAL modes the spare is grown to its size first: the
// checkpoints after the growth write a table of that size into it.
func (c *core) nextTable(log2 uint8) (*table, bool, error) {
	if c.logged() {
		if err := c.reserveSpare(log2); err != nil {
			return nil, false, err
		}
	}
	if t := c.takePrepared(log2); t != nil {
		return t, true, nil
	}
	t, err := createNext(c.opts.files, c.path(nextFile), c.opts.FilePerm, log2, c.tab.mode)
	return t, false, err
}

// grownLog2 returns the log2 of the table that n more keys grow the table
// into (see grow).
func (c *core) grownLog2(n int) (uint8, error) {
	keys := float64(c.hdr.Count + uint64(n))
	log2 := c.current().log2
	if keys > c.opts.MaxLoad/2*math.Ldexp(1, int(log2)) {
		log2++
	}
	for log2 <= maxLog2 && keys > c.opts.MaxLoad*math.Ldexp(1, int(log2)) {
		log2++
	}
	if log2 > maxLog2 {
		return 0, fmt.Errorf("growing the table of %s past %d slots, the most %s: %w", c.dir, uint64(1)<<maxLog2, platform(), ErrTooLarge)
	}
	return log2, nil
}

// growStep returns how many old slots a write moves: growStep, unless a
// test asked for another.
func (c *core) growStep() uint64 {
	if c.testGrowStep > 0 {
		return uint64(c.testGrowStep)
	}
	return growStep
}

// full reports whether n more used slots would pass the maximum load of
// the table new keys go to: while a table grows, the new one, which the
// old table's tombstones not moved yet will not reach.
func (c *core) full(n int) bool {
	used := c.hdr.Count + c.hdr.Tombstones + uint64(n)
	if g := c.growing; g != nil {
		used -= g.oldTombs
	}
	return float64(used) > c.opts.MaxLoad*float64(c.current().mask+1)
}

// tables returns the tables that hold keys: the one in place and, while a
// table grows, the new one (see holds).
func (c *core) tables() []*table {
	if c.growing != nil {
		return []*table{c.tab, c.growing.next}
	}
	return []*table{c.tab}
}

// holds reports whether slot i of t is one that lookups see: any slot but
// one of the old table moved already while a table grows.
func (c *core) holds(t *table, i uint64) bool {
	g := c.growing
	return g == nil || t != c.tab || !g.slotMoved(t, i)
}

// current returns the table new keys go to: the one being filled while a
// table grows.
func (c *core) current() *table {
	if c.growing != nil {
		return c.growing.next
	}
	return c.tab
}

// tableFor returns the table whose probe for a key of fingerprint fp comes
// first: the old one while its home there is not moved yet.
func (c *core) tableFor(fp uint32) *table {
	g := c.growing
	if g == nil || g.homeMoved(c.tab, fp) {
		return c.current()
	}
	return c.tab
}

// homeMoved reports whether the home of fp in the old table old is among
// the slots moved.
func (g *growth) homeMoved(old *table, fp uint32) bool {
	return (layout.Home(fp, old.log2)-g.start)&old.mask < g.moved
}

// slotMoved reports whether slot i of the old table old was moved.
func (g *growth) slotMoved(old *table, i uint64) bool {
	return (i-g.start)&old.mask < g.moved
}

// done reports whether every slot of the old table old was moved.
func (g *growth) done(old *table) bool { return g.moved > old.mask }

// step moves the next slots after a write (see moveSlots), or, once all
// are moved, sees whether the install has finished.
func (c *core) step() {
	g := c.growing
	switch {
	case g == nil:
	case !g.done(c.tab):
		c.moveSlots(c.growStep())
	case g.install != nil:
		c.pollInstall()
	}
}

// moveSlots moves at least budget old slots into the new table, and on to
// the end of the cluster it is in, and starts the install once all are
// moved. Moving cannot fail: the new table has room for every key (see
// full).
func (c *core) moveSlots(budget uint64) {
	g, old := c.growing, c.tab
	for n := uint64(0); !g.done(old) && (n < budget || format.SlotKeyField(old.slot((g.start+g.moved-1)&old.mask)) != layout.SlotEmpty); n++ {
		i := (g.start + g.moved) & old.mask
		switch s := layout.ReadSlot(old.slot(i)); {
		case s.Occupied():
			if _, err := g.next.place(s); err != nil {
				c.failed = fmt.Errorf("%s: reopen the map: %w", c.dir, err)
				return
			}
		case s.Key == layout.SlotDeleted:
			g.oldTombs--
			c.hdr.Tombstones--
		}
		g.moved++
	}
	if g.done(old) && old.mode != mmap.Private && g.install == nil {
		c.startInstall(c.testInstallNow)
	}
}

// mirror returns the old slot of the key whose key record is at koff*8 and
// fingerprint fp, in DurabilityOS while the table grows and the key's home
// was moved, for a write to the key in the new table t to be made to it
// too (see rule 3 above); nil if there is none to mirror.
func (c *core) mirror(t *table, fp uint32, koff uint32) []byte {
	g, old := c.growing, c.tab
	if g == nil || t == old || old.mode == mmap.Private || !g.homeMoved(old, fp) {
		return nil
	}
	i := layout.Home(fp, old.log2)
	for range old.mask + 1 {
		switch k := format.SlotKeyField(old.slot(i)); k {
		case layout.SlotEmpty:
			return nil
		case koff:
			return old.slot(i)
		}
		i = (i + 1) & old.mask
	}
	return nil
}

// endGrowth brings a growth under way to its end: the slots left are
// moved, and the new table is put in place of buckets, by the install in
// DurabilityOS, by a checkpoint in the WAL modes.
func (c *core) endGrowth() error {
	g := c.growing
	if g == nil {
		return nil
	}
	c.moveSlots(c.tab.mask + 1)
	if err := c.usable(); err != nil {
		return err
	}
	if c.tab.mode == mmap.Private {
		return c.checkpoint(true)
	}
	return c.waitInstall()
}

// dropGrowth forgets a growth: its table is unmapped in the background and
// its file removed. It is how a growth ends when its table is no longer
// needed: the WAL modes checkpointed it into buckets, or a compaction
// replaced the table. A buckets.next left after a crash is removed by the
// next Open, and only read if it was of the generation in place and not
// logged.
func (c *core) dropGrowth() error {
	g := c.growing
	if g == nil {
		return nil
	}
	c.growing = nil
	err := g.next.retire(&c.bg)
	if rerr := c.opts.files.Remove(g.next.path); rerr != nil {
		err = errors.Join(err, fmt.Errorf("diskmap: removing %s: %w", g.next.path, rerr))
	} else {
		err = errors.Join(err, c.syncDir())
	}
	c.tableChanged()
	return err
}

// nextHeader returns the header that buckets.next gets in DurabilityOS:
// the one last written to buckets, for the size of the new table. Its
// arena ends are those of the last checkpoint, which the arenas hold on
// stable storage, as the header in place of buckets must (see package
// layout, Recover).
func (c *core) nextHeader() layout.Header {
	h, _, err := layout.ReadMeta(c.tab.data[:layout.MetaSize])
	if err != nil {
		h = c.hdr // never: the map wrote it
	}
	h.Log2 = c.growing.next.log2
	h.Resizes = c.hdr.Resizes
	h.Seq = max(h.Seq, c.growing.seq)
	if h.Count+h.Tombstones > uint64(1)<<h.Log2 {
		h.Tombstones = 0 // never: counts of a smaller table; recovery recounts
	}
	return h
}
