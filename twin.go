package diskmap

import (
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// Updates in place; package layout specifies the rule under Update in
// place. A key whose value record was written since the values arena's
// durable end, and that is updated with a value of the same length,
// keeps the record it leaves as its twin: dead, and its own. The key's
// next update of that length writes into the twin and points the slot at it,
// and the record it leaves becomes the twin. A key updated again and again
// between two headers so goes back and forth between two records, and the
// arena grows by at most two records a key from one header to the next,
// not by one an update.
//
// Twins are kept in memory only, by slot, and forgotten whenever a header
// records the arenas' ends (a checkpoint, a Sync in DurabilityOS, a table
// growth, a compaction, a recovery) and at every Open: no record below the
// end the last header recorded, the durable end, is ever written again. A
// twin belongs to one key and is never given to another: it is forgotten
// when its key is deleted or takes a value of another length, and
// whenever the slots move to another table. So a slot left from before a
// power loss never finds another key's value where its own was.
//
// Only a key whose value record lies at or past the durable end has a
// twin: the record a twin leaves for the slot is the twin or a new one,
// both past it. The twins are looked up for those keys only.
//
// While the table grows (grow.go) a key may move from a slot of the old
// table to one of the new, and a write may go to both: updates append
// then. The twins are forgotten when a growth begins, and none is made
// until the new table is in place, its slots the ones twins are kept by.
type twins struct {
	durable int64             // the values arena's end in the last header written
	of      map[uint64]uint32 // slot -> the twin of its key, offset / 8, at or past durable
	bytes   int64             // the size of the twins in of: dead bytes that updates write over
	off     bool              // no new twins: every update appends (set by benchmarks)
}

// fitsTwin reports whether a value whose slot value-length field is n may
// be written over the twin of a key whose slot's field is vlen: whether
// it has the length of the key's value, which its twin has too, and both
// expire or neither does (see layout.SlotExpires). It is the one place
// that compares the two. An empty value that does not expire has no
// record, so no twin.
//
// The length must be the same, not only the record size: a record written
// over then keeps its length field as it was, whatever part of its header
// a crash leaves written, so that its length always gives where the next
// record starts (see Update in place in package layout).
func fitsTwin(vlen, n uint32) bool { return vlen == n && n != 0 }

// settle forgets every twin: the values arena's records up to end are
// recorded by a header, and so never written again.
func (t *twins) settle(end int64) {
	t.durable = end
	t.forget()
}

// forget forgets every twin, as the slots they belong to move to another
// table or their records are recorded by a header.
func (t *twins) forget() {
	clear(t.of)
	t.bytes = 0
}

// fresh reports whether the value record at offset off*8 lies at or past
// the durable end.
func (t *twins) fresh(off uint32) bool {
	return off != layout.SlotNoValue && int64(off)*layout.Align >= t.durable
}

// drop forgets the twin of the key in slot i, if it has one: a record of
// size bytes, the size of the key's value record.
func (t *twins) drop(i uint64, size int64) {
	if _, ok := t.of[i]; ok {
		delete(t.of, i)
		t.bytes -= size
	}
}

// add makes the record at offset off*8, of size bytes, the twin of the key
// in slot i, in place of the one it had, of the same size.
func (t *twins) add(i uint64, off uint32, size int64) {
	if t.of == nil {
		t.of = map[uint64]uint32{}
	}
	if _, ok := t.of[i]; !ok {
		t.bytes += size
	}
	t.of[i] = off
}

// twin returns the twin of the key in slot i of t, if it has one that a
// value whose slot value-length field is n fits. Only a key whose record
// was written since the durable end can have one, and none while the
// table grows.
func (c *core) twin(t *table, i uint64, n uint32) (uint32, bool) {
	if len(c.twins.of) == 0 || c.growing != nil {
		return 0, false
	}
	s := t.slot(i)
	if !c.twins.fresh(format.SlotValue(s)) || !fitsTwin(format.SlotValueLen(s), n) {
		return 0, false
	}
	tw, ok := c.twins.of[i]
	return tw, ok
}

// update points slot i of t, holding a key of fingerprint fp, at a record
// holding vb, to expire at exp, whose room is reserved: over the key's
// twin tw if over, else a new record at the end of the values arena. The
// record the slot pointed at becomes the key's twin if it may be: written
// since the durable end, of the new value's length, and the table not
// growing. While it grows the key's old slot, if it has one, is pointed
// at the new record too (see mirror).
func (c *core) update(t *table, i uint64, fp uint32, vb []byte, exp int64, tw uint32, over bool) {
	s := t.slot(i)
	cur, n := format.SlotValue(s), format.SlotValueLen(s)
	size := slotValueBytes(layout.ReadSlot(s))
	voff, vlen := tw, valueLenField(len(vb), exp)
	if over {
		c.rewrite(tw, vb, exp)
		if exp != noExpiry {
			c.sweep.wake()
		}
	} else {
		voff, vlen = c.putValue(vb, exp)
	}
	c.vals.live += valueSize(len(vb), exp) - size
	format.SetSlotValue(s, voff, vlen)
	if o := c.mirror(t, fp, format.SlotKeyField(s)); o != nil {
		format.SetSlotValue(o, voff, vlen)
	}
	switch {
	case !c.twins.fresh(cur) || c.growing != nil:
		// Below the durable end, or no record: no twin, and the key had
		// none (see twins); or the table grows, and the twins are
		// forgotten.
	case fitsTwin(n, vlen) && !c.twins.off:
		c.twins.add(i, cur, size)
	default:
		c.twins.drop(i, size) // a twin of the old length is of no use
	}
}

// rewrite writes a record holding vb, to expire at exp, over the key's
// twin at offset tw*8, dead and of the same length: the payload first,
// then the header (its length as it was, a new checksum), so that the
// record is whole only once all of it is written. The slot is pointed at
// it only afterwards.
func (c *core) rewrite(tw uint32, vb []byte, exp int64) {
	n := int(valueLenField(len(vb), exp) &^ layout.SlotExpires)
	b := c.vals.writable(tw, n)
	if exp == noExpiry {
		format.PutPayload(b, vb)
	} else {
		format.PutExpiringPayload(b, exp, vb)
	}
	_ = c.fail("value-rewrite") // tests stop the process here, halfway; the write itself cannot fail
	format.PutHeader(b, b[layout.RecordHeaderSize:layout.RecordHeaderSize+n])
}
