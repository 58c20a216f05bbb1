package diskmap

import (
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// walk calls fn for each live key, in the order of the keys arena (first
// insertion), with the key's encoded bytes, its table, its slot's index
// and the slot. A key record is live when a slot points at it. walk stops
// at the first error, from fn or from a damaged record.
func (c *core) walk(fn func(key []byte, t *table, i uint64, s layout.Slot) error) error {
	for off := int64(layout.ArenaHeaderSize); off < c.keys.end; {
		kp, err := c.keys.record(uint32(off / layout.Align))
		if err != nil {
			return format.At(err, c.keys.path, 0)
		}
		if t, i, ok := c.findRecord(kp, uint32(off/layout.Align)); ok {
			if err := fn(kp, t, i, layout.ReadSlot(t.slot(i))); err != nil {
				return err
			}
		}
		off += layout.RecordSize(len(kp))
	}
	return nil
}

// findRecord returns the table and slot pointing at the key record at
// offset off*8, holding key, if there is one: the record is live. While the
// table grows, the old table is searched first unless the key's home there
// was moved, as probe does.
func (c *core) findRecord(key []byte, off uint32) (*table, uint64, bool) {
	fp := layout.Fingerprint(c.hash(key))
	if t := c.tableFor(fp); t == c.tab && c.growing != nil {
		if i, ok := findIn(t, fp, off); ok {
			return t, i, true
		}
	}
	t := c.current()
	i, ok := findIn(t, fp, off)
	return t, i, ok
}

// findIn returns the slot of t that points at the key record at offset
// off*8, of fingerprint fp, if there is one.
func findIn(t *table, fp uint32, off uint32) (uint64, bool) {
	i := layout.Home(fp, t.log2)
	for range t.mask + 1 {
		switch k := format.SlotKeyField(t.slot(i)); k {
		case layout.SlotEmpty:
			return 0, false
		case off:
			return i, true
		}
		i = (i + 1) & t.mask
	}
	return 0, false
}
