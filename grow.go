package diskmap

import (
	"fmt"

	"github.com/diskmap-go/diskmap/layout"
)

// grow rebuilds the table aside, twice as large, or as large when most of
// its load is tombstones, and installs it. The arenas are untouched. On
// failure, a full disk say, the old table stays in place.
func (c *core) grow() error {
	log2 := c.tab.log2
	if float64(c.hdr.Count+1) > c.opts.MaxLoad/2*float64(c.tab.mask+1) {
		log2++
	}
	if log2 > layout.MaxLog2 {
		return fmt.Errorf("diskmap: %s: table at %d slots: %w", c.dir, uint64(1)<<layout.MaxLog2, ErrTooLarge)
	}
	t, err := createTable(c.path(bucketsFile+growSuffix), log2)
	if err != nil {
		return err
	}
	for i := range c.tab.mask + 1 {
		if s := layout.ReadSlot(c.tab.slot(i)); s.Occupied() {
			t.place(s)
		}
	}
	h := c.hdr
	h.Tombstones = 0
	h.Resizes++
	return c.installTable(t, &h)
}
