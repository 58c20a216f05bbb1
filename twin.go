package diskmap

import "github.com/diskmap-go/diskmap/layout"

// twins are how a value is updated in place; package layout specifies the
// rule under Update in place. A key whose value record was written since
// the values arena's durable end, and that is updated with a value of the
// same record size, keeps the record it leaves as its twin: dead, and its
// own. The key's next update writes into the twin and points the slot at
// it, and the record it leaves becomes the twin. A key updated again and
// again between checkpoints so goes back and forth between two records:
// the arena grows by at most two records a key between checkpoints, not by
// one an update.
//
// Twins are kept in memory only, by slot, and forgotten whenever a header
// records the arenas' ends (a checkpoint, a Sync in DurabilityOS, a table
// growth, a recovery) and at every Open and Compact: no record below the
// end the last header recorded, the durable end, is ever written again.
// A twin belongs to one key and is never given to another: it is forgotten
// when its key leaves its slot, deleted, and whenever slots move to
// another table. So a slot left from before a power loss never finds
// another key's value where its own was.
type twins struct {
	durable int64             // the values arena's end in the last header written
	of      map[uint64]uint32 // slot -> the twin of its key, offset / 8, at or past durable
}

// settle forgets every twin: the values arena's records up to end are
// recorded by a header, and so never written again.
func (t *twins) settle(end int64) {
	t.durable = end
	t.forget()
}

// forget forgets every twin, as the slots they belong to move to another
// table.
func (t *twins) forget() { clear(t.of) }

// fresh reports whether the value record at offset off*8 lies at or past
// the durable end.
func (t *twins) fresh(off uint32) bool { return int64(off)*layout.Align >= t.durable }

// drop forgets the twin of the key in slot i, if it has one.
func (t *twins) drop(i uint64) {
	if len(t.of) > 0 {
		delete(t.of, i)
	}
}

// twin returns the twin of the key in slot i, s, if it has one that a
// value of n bytes fits: one of the size of the record s points at. Only a
// key whose record was written since the durable end can have one.
func (c *core) twin(i uint64, s []byte, n int) (uint32, bool) {
	if !c.twins.fresh(le32(s[8:])) || layout.RecordSize(int(le32(s[12:]))) != layout.RecordSize(n) {
		return 0, false
	}
	tw, ok := c.twins.of[i]
	return tw, ok
}

// update points slot i, s, holding a key, at a record holding vb, whose
// room is reserved: the key's twin if it has one that fits, else a new
// record at the end of the values arena. The record the slot pointed at
// becomes the key's twin if it may be: written since the durable end, of
// vb's size.
func (c *core) update(i uint64, s []byte, vb []byte) {
	cur, n := le32(s[8:]), le32(s[12:])
	tw, ok := c.twin(i, s, len(vb))
	voff := tw
	if ok {
		c.rewrite(tw, vb)
	} else {
		voff = c.vals.put(vb)
	}
	c.vals.live += layout.RecordSize(len(vb)) - layout.RecordSize(int(n))
	layout.SetSlotValue(s, voff, uint32(len(vb)))
	switch {
	case !c.twins.fresh(cur):
		// It had no twin, and is none: it lies below the durable end.
	case layout.RecordSize(int(n)) == layout.RecordSize(len(vb)):
		if c.twins.of == nil {
			c.twins.of = map[uint64]uint32{}
		}
		c.twins.of[i] = cur
	default:
		c.twins.drop(i) // a twin of the old size is of no use
	}
}

// rewrite writes a record holding vb over the key's twin at offset tw*8,
// dead and of the same size: the payload first, then the header in one
// store, so that until the record is whole its header keeps the size it
// had. The slot is pointed at it only afterwards.
func (c *core) rewrite(tw uint32, vb []byte) {
	b := c.vals.writable(tw, len(vb))
	layout.PutPayload(b, vb)
	_ = c.fail("value-rewrite") // tests stop the process here, halfway; the write itself cannot fail
	layout.PutHeader(b, vb)
}
