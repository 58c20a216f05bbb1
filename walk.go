package diskmap

import (
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// walk calls fn for each live key, in the order of the keys arena (first
// insertion), with the key's encoded bytes, its slot's index and the slot. A key record is
// live when a slot points at it. walk stops at the first error, from fn or
// from a damaged record.
func (c *core) walk(fn func(key []byte, i uint64, s layout.Slot) error) error {
	for off := int64(layout.ArenaHeaderSize); off < c.keys.end; {
		kp, err := c.keys.record(uint32(off / layout.Align))
		if err != nil {
			return format.At(err, c.keys.path, 0)
		}
		if i, ok := c.findRecord(kp, uint32(off/layout.Align)); ok {
			if err := fn(kp, i, layout.ReadSlot(c.tab.slot(i))); err != nil {
				return err
			}
		}
		off += layout.RecordSize(len(kp))
	}
	return nil
}

// findRecord returns the slot pointing at the key record at offset off*8,
// holding key, if there is one: the record is live.
func (c *core) findRecord(key []byte, off uint32) (uint64, bool) {
	t := c.tab
	i := layout.Home(layout.Fingerprint(c.hash(key)), t.log2)
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
