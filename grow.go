package diskmap

import (
	"fmt"
	"math"

	"github.com/diskmap-go/diskmap/layout"
)

// grow rebuilds the table aside with room for n more keys and installs it:
// as large when the live keys fill at most half the maximum load (the rest
// is tombstones), else twice as large, or more until the keys fit. The
// arenas are untouched. On failure, a full disk say, the old table stays in
// place. With a log, growing is a checkpoint, and the spare table grows to
// the new size first (see spare.go).
func (c *core) grow(n int) error {
	keys := float64(c.hdr.Count + uint64(n))
	log2 := c.tab.log2
	if keys > c.opts.MaxLoad/2*math.Ldexp(1, int(log2)) {
		log2++
	}
	for log2 <= maxLog2 && keys > c.opts.MaxLoad*math.Ldexp(1, int(log2)) {
		log2++
	}
	if log2 > maxLog2 {
		return fmt.Errorf("growing the table of %s past %d slots, the most %s: %w", c.dir, uint64(1)<<maxLog2, platform(), ErrTooLarge)
	}
	if c.logged() && !c.readOnly {
		// The next checkpoint writes a table of this size into the spare.
		if err := c.reserveSpare(log2); err != nil {
			return err
		}
	}
	t, err := createTable(c.opts.files, c.path(bucketsFile+growSuffix), log2)
	if err != nil {
		return err
	}
	for i := range c.tab.mask + 1 {
		if s := layout.ReadSlot(c.tab.slot(i)); s.Occupied() {
			if err := t.place(s); err != nil {
				_ = t.close()
				_ = c.opts.files.Remove(t.path)
				return err
			}
		}
	}
	h := c.hdr
	h.Tombstones = 0
	h.Resizes++
	return c.installTable(t, &h)
}

// full reports whether n more used slots would pass the maximum load.
func (c *core) full(n int) bool {
	used := c.hdr.Count + c.hdr.Tombstones + uint64(n)
	return float64(used) > c.opts.MaxLoad*float64(c.tab.mask+1)
}
