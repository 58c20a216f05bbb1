package diskmap

import (
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// Updates in place; package layout specifies the rule under Update in
// place. A key updated with a value of the same length keeps the record it
// leaves as its twin: dead, and its own. The key's next update of that
// length writes into the twin and points the slot at it, and the record it
// leaves becomes the twin. A key updated again and again so goes back and
// forth between two records, and the arena does not grow.
//
// Twins are kept in memory only, by slot. A twin belongs to one key and is
// never given to another: it is forgotten when its key is deleted or takes
// a value of another length, and whenever the slots move to another table.
// So a slot left from before a power loss never finds another key's value
// where its own was.
//
// What a header does to them depends on the table:
//
//   - In DurabilityOS (a shared table, keep set) a checkpoint retires every
//     twin before it syncs the arenas (retireTwins): a power loss after it
//     finds each one retired, or holding a value written since, never an
//     older value of its key than the one the checkpoint made durable. The
//     twins then outlive the header, and any record of a key may become its
//     twin.
//   - In the WAL modes (a private table) the table a recovery starts from
//     is the last checkpoint's, which points at records that must stay as
//     they are: every header forgets the twins, and only a record written
//     since the end the last one recorded, the durable end, becomes one.
//
// While the table grows (grow.go) a key may move from a slot of the old
// table to one of the new, and a write may go to both: updates append
// then. The twins are forgotten when a growth begins, and none is made
// until the new table is in place, its slots the ones twins are kept by.
type twins struct {
	durable int64           // the values arena's end in the last header written
	keep    bool            // twins outlive a header, retired (DurabilityOS)
	of      map[uint64]twin // slot -> the twin of its key
	bytes   int64           // the size of the twins in of: dead bytes that updates write over
	fresh   []uint64        // slots whose twin has not been retired, some listed twice
	off     bool            // no new twins: every update appends (set by benchmarks)
}

// twin is a key's twin: its offset / 8, and whether it was retired (see
// retireTwins), which it stays until an update writes over it.
type twin struct {
	off     uint32
	retired bool
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

// settle records end, the values arena's end in a header being written,
// as the durable end. Unless the twins outlive a header (keep), it
// forgets them: the records up to end are never written again.
func (t *twins) settle(end int64) {
	t.durable = end
	if !t.keep {
		t.forget()
	}
}

// forget forgets every twin, as the slots they belong to move to another
// table or their records are recorded by a header.
func (t *twins) forget() {
	clear(t.of)
	t.bytes = 0
	t.fresh = t.fresh[:0]
}

// reset forgets every twin, for files just opened, and records end as the
// durable end; keep says whether twins outlive a header (a shared table).
func (t *twins) reset(end int64, keep bool) {
	t.forget()
	t.durable, t.keep = end, keep
}

// may reports whether the value record at offset off*8 may be a twin:
// any record where twins outlive a header, else one at or past the
// durable end.
func (t *twins) may(off uint32) bool {
	return off != layout.SlotNoValue && (t.keep || int64(off)*layout.Align >= t.durable)
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
		t.of = map[uint64]twin{}
	}
	old, ok := t.of[i]
	if !ok {
		t.bytes += size
	}
	if !ok || old.retired {
		t.fresh = append(t.fresh, i)
	}
	t.of[i] = twin{off: off}
}

// retireTwins retires every twin not yet retired (format.Retire), before a
// checkpoint of a shared table syncs the arenas: from then on the disk
// holds no whole record of an older value of a key than the one the
// checkpoint makes durable, other than the one its slot points at, so the
// twins may outlive the header. It is a write of 4 bytes a twin.
func (c *core) retireTwins() {
	for _, i := range c.twins.fresh {
		tw, ok := c.twins.of[i]
		if !ok || tw.retired {
			continue
		}
		format.Retire(c.vals.writable(tw.off, 0))
		c.twins.of[i] = twin{off: tw.off, retired: true}
	}
	c.twins.fresh = c.twins.fresh[:0]
}

// twin returns the twin of the key in slot i of t, if it has one that a
// value whose slot value-length field is n fits. None while the table
// grows.
func (c *core) twin(t *table, i uint64, n uint32) (uint32, bool) {
	if len(c.twins.of) == 0 || c.growing != nil {
		return 0, false
	}
	s := t.slot(i)
	if !c.twins.may(format.SlotValue(s)) || !fitsTwin(format.SlotValueLen(s), n) {
		return 0, false
	}
	tw, ok := c.twins.of[i]
	return tw.off, ok
}

// update points slot i of t, holding a key of fingerprint fp, at a record
// holding vb, to expire at exp, whose room is reserved: over the key's
// twin tw if over, else a new record at the end of the values arena. The
// record the slot pointed at becomes the key's twin if it may be (see
// twins.may), of the new value's length, and the table not growing. While it grows the key's old slot, if it has one, is pointed
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
	case !c.twins.may(cur) || c.growing != nil:
		// Below the durable end in the WAL modes, or no record: no twin,
		// and the key had none (see twins); or the table grows, and the
		// twins are forgotten.
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
