package diskmap

import (
	"bytes"
	"math"

	"github.com/diskmap-go/diskmap/layout"
)

// Automatic compaction. A write (Put, Delete, Batch, a write through an
// Entry) first compacts the map when an arena of at least
// Options.CompactMinBytes of records holds more than Options.CompactAt dead
// bytes, and first rebuilds the table at its size when more than CompactAt
// of its slots are tombstones. It does so at its start, after begin and
// before it changes anything itself, so that it sees the compacted map:
//
//  1. An iteration in progress (see iter.go) puts it off: compaction would
//     end the iteration, and writes during one are allowed. The first write
//     after the last iteration ends compacts.
//  2. A failure leaves the map as it was, and the write goes on without
//     the compaction: the error is kept for Stats.AutoCompactErr, and no
//     write tries again until the arenas have grown by CompactMinBytes more
//     (for a rebuild: until the table next changes), so that a full disk
//     costs each write nothing. A failure that leaves the map unusable
//     (one past the commit of the compaction) fails the write, which has
//     changed nothing then.
//  3. A success counts in Stats.AutoCompactions and, as every compaction
//     does, in Stats.Compacted.

// autoCompact is what a write compares to decide whether it first compacts
// the map. The limits are worked out when the map opens, when its table
// changes and after a compaction, never at a write: a write makes a few
// comparisons of counters the map keeps anyway, and a multiplication for
// an arena past its minimum size.
type autoCompact struct {
	share      int64  // CompactAt, in 1/2^16ths
	min        int64  // Options.CompactMinBytes, or MaxInt64 when off
	keysFrom   int64  // the keys arena's end from which its dead share counts
	valsFrom   int64  // the same for the values arena
	tombstones uint64 // tombstones past which the table is rebuilt

	runs uint64 // automatic compactions since Open
	err  error  // why the last automatic compaction or rebuild failed, nil once one succeeds
}

// shareBits is the precision of autoCompact.share.
const shareBits = 16

// compactOff is autoCompact.min when automatic compaction is off.
const compactOff = math.MaxInt64

// setAutoCompact works out the limits from the options, as at Open, before
// the table is opened.
func (c *core) setAutoCompact() {
	a := &c.auto
	if c.opts.CompactAt < 0 {
		a.share, a.min = 0, compactOff
	} else {
		a.share = int64(c.opts.CompactAt * (1 << shareBits))
		a.min = c.opts.CompactMinBytes
	}
	a.compacted()
}

// compacted lets the arenas be compacted from their minimum size again, and
// forgets a failure: after any compaction, and at Open.
func (a *autoCompact) compacted() {
	a.keysFrom = addCapped(layout.ArenaHeaderSize, a.min)
	a.valsFrom = a.keysFrom
	a.err = nil
}

// tableChanged works out the tombstone limit for the table in place.
func (c *core) tableChanged() {
	a := &c.auto
	a.tombstones = math.MaxUint64
	if a.min != compactOff {
		a.tombstones = uint64(a.share) * (c.current().mask + 1) >> shareBits
	}
}

// addCapped returns a + b, both at least 0, or MaxInt64 if that is more.
func addCapped(a, b int64) int64 {
	if b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

// compactDue reports whether a write should first compact the map or
// rebuild its table. It is on the path of every write: keep it cheap.
// A growing table is rebuilt already: its tombstones go.
func (c *core) compactDue() bool {
	return c.hdr.Tombstones > c.auto.tombstones && c.growing == nil || c.arenasDue()
}

// arenasDue reports whether an arena past its minimum size holds more than
// the share of dead bytes.
func (c *core) arenasDue() bool {
	a := &c.auto
	return c.keys.end >= a.keysFrom && a.over(c.keys) || c.vals.end >= a.valsFrom && a.over(c.vals)
}

// over reports whether more than the share of the arena's records are
// dead. The products fit: an arena holds at most 2^35 bytes.
func (a *autoCompact) over(ar *arena) bool {
	used := ar.end - layout.ArenaHeaderSize
	return (used-ar.live)<<shareBits > a.share*used
}

// compactIfDue compacts the map, or rebuilds its table, if a write should
// first (see the top of this file). kb and vb, when not nil, are the
// write's encoded key and value: they may be views of the map, which a
// compaction unmaps, and are copied first then.
func (c *core) compactIfDue(kb, vb *[]byte) error {
	if !c.compactDue() || c.iterating.Load() > 0 {
		return nil
	}
	return c.compactNow(kb, vb)
}

// compactNow does what compactIfDue found due.
func (c *core) compactNow(kb, vb *[]byte) error {
	a := &c.auto
	arenas := c.arenasDue()
	var err error
	if arenas {
		for _, p := range []*[]byte{kb, vb} {
			if p != nil {
				*p = bytes.Clone(*p)
			}
		}
		err = c.compact()
	} else {
		err = c.grow(0)
	}
	switch {
	case err == nil && arenas:
		a.runs++ // compact reset the limits
		return nil
	case err == nil:
		a.err = nil
		return nil
	case c.failed != nil:
		return err
	}
	a.err = err
	if arenas {
		a.keysFrom = addCapped(c.keys.end, a.min)
		a.valsFrom = addCapped(c.vals.end, a.min)
	} else {
		a.tombstones = math.MaxUint64
	}
	return nil
}
