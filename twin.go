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
// Twins are kept in memory only, by the offset of their key's record in
// the keys arena, which no update and no move of a slot to another table
// changes. A twin belongs to one key and is never given to another: it is
// forgotten when its key is deleted or takes a value of another length,
// and whenever the arenas are replaced. So a slot left from before a power
// loss never finds another key's value where its own was.
//
// How they live beside the headers depends on the table:
//
//   - In DurabilityOS (a shared table, keep set) the update that makes a
//     record a twin retires it (format.Retire), a write of 4 bytes to the
//     record the update has just read: a power loss finds each twin
//     retired, or holding a value written since the last Sync, never an
//     older value of its key than the one that Sync made durable. The
//     twins then outlive every header. Retiring a record writes its page,
//     which the next Sync writes back, so a record below the durable end
//     becomes a twin only where that costs little (mayBecome): the record
//     an update over the key's twin leaves (the key goes on between its
//     two), one on a page written since the last header, or one on
//     another while those are at most an eighth of the pages written
//     since. Updates of keys spread over a large arena, once each between
//     two Syncs, cost the Sync no more pages than their appends.
//   - In the WAL modes (a private table) the table a recovery starts from
//     is the last checkpoint's, which points at records that must stay as
//     they are: every header forgets the twins, and only a record written
//     since the end the last one recorded, the durable end, becomes one.
//
// While the table grows (grow.go) a key may be in a slot of the old table
// and one of the new, both pointed at its record by each update (mirror):
// its twin is the same for both.
type twins struct {
	durable int64             // the values arena's end in the last header written
	keep    bool              // twins are retired and outlive a header (DurabilityOS)
	of      map[uint32]uint32 // key record offset / 8 -> its twin's offset / 8
	bytes   int64             // the size of the twins in of: dead bytes that updates write over
	dirty   []uint64          // with keep: the pages below durable written since it was recorded, a bit each
	pages   int64             // the pages in dirty that updates wrote over
	spent   int64             // the pages in dirty marked only for the twins retired on them (mayBecome)
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

// settle records end, the values arena's end in a header being written,
// as the durable end, and marks every page unwritten since. Unless the
// twins outlive a header (keep), it forgets them: the records up to end
// are never written again.
func (t *twins) settle(end int64) {
	t.durable = end
	if t.keep {
		t.clean()
	} else {
		t.forget()
	}
}

// forget forgets every twin, as the arenas are replaced or, in the WAL
// modes, a header records their records.
func (t *twins) forget() {
	clear(t.of)
	t.bytes = 0
	t.clean()
}

// clean marks every page of the values arena unwritten, as a header
// records its end.
func (t *twins) clean() {
	clear(t.dirty)
	t.pages, t.spent = 0, 0
}

// wrote records, where twins outlive a header, that the n bytes at offset
// off of the values arena were written over.
func (t *twins) wrote(off, n int64) {
	if !t.keep {
		return
	}
	for p := off / pageSize; p <= (off+n-1)/pageSize; p++ {
		if t.mark(p) {
			t.pages++
		}
	}
}

// mark marks page p of the values arena written since the durable end was
// recorded, and reports whether it was not yet.
func (t *twins) mark(p int64) bool {
	if w := int(p / 64); w >= len(t.dirty) {
		t.dirty = append(t.dirty, make([]uint64, w+1-len(t.dirty))...)
	}
	had := t.dirty[p/64]&(1<<(p%64)) != 0
	t.dirty[p/64] |= 1 << (p % 64)
	return !had
}

// written reports whether the page holding byte off of the values arena
// was written since the durable end was recorded: it holds bytes past that
// end, or was written over, or holds a retired twin.
func (t *twins) written(off int64) bool {
	p := off / pageSize
	if (p+1)*pageSize > t.durable {
		return true
	}
	w := int(p / 64)
	return w < len(t.dirty) && t.dirty[w]&(1<<(p%64)) != 0
}

// reset forgets every twin, for files just opened, and records end as the
// durable end; keep says whether twins outlive a header (a shared table).
func (t *twins) reset(end int64, keep bool) {
	t.forget()
	t.durable, t.keep = end, keep
}

// mayHave reports whether a key whose value record is at offset off*8 may
// have a twin: in the WAL modes, only one whose record lies at or past the
// durable end.
func (t *twins) mayHave(off uint32) bool {
	return off != layout.SlotNoValue && len(t.of) > 0 && (t.keep || int64(off)*layout.Align >= t.durable)
}

// mayBecome reports whether the value record at offset off*8, which an
// update of its key leaves, may become the key's twin, the values arena
// ending at end: one at or past the durable end; or, where twins outlive a
// header, one that an update over the key's twin (over) leaves, one on a
// page written since the durable end was recorded, or one on another page
// while those are at most an eighth of the pages written since, appended
// or written over. That page is then written too: the twin's retiring
// writes it.
func (t *twins) mayBecome(off uint32, over bool, end int64) bool {
	if off == layout.SlotNoValue {
		return false
	}
	at := int64(off) * layout.Align
	switch {
	case at >= t.durable:
		return true
	case !t.keep:
		return false
	case over || t.written(at):
		return true
	case 8*(t.spent+1) <= t.pages+(end-t.durable)/pageSize:
		t.mark(at / pageSize)
		t.spent++
		return true
	}
	return false
}

// A twin has the length of its key's value, so its size is that of the
// key's value record: what add and drop are given with the key.

// drop forgets the twin of the key whose record is at offset key*8, if it
// has one; size is the key's value record's.
func (t *twins) drop(key uint32, size int64) {
	if _, ok := t.of[key]; ok {
		delete(t.of, key)
		t.bytes -= size
	}
}

// add makes the record at offset off*8, of size bytes, the twin of the key
// whose record is at offset key*8, in place of the one it had, of the same
// size.
func (t *twins) add(key, off uint32, size int64) {
	if t.of == nil {
		t.of = map[uint32]uint32{}
	}
	if _, ok := t.of[key]; !ok {
		t.bytes += size
	}
	t.of[key] = off
}

// twin returns the twin of the key in slot i of t, if it has one that a
// value whose slot value-length field is n fits.
func (c *core) twin(t *table, i uint64, n uint32) (uint32, bool) {
	s := t.slot(i)
	if !c.twins.mayHave(format.SlotValue(s)) || !fitsTwin(format.SlotValueLen(s), n) {
		return 0, false
	}
	tw, ok := c.twins.of[format.SlotKeyField(s)]
	return tw, ok
}

// update points slot i of t, holding a key of fingerprint fp, at a record
// holding vb, to expire at exp, whose room is reserved: over the key's
// twin tw if over, else a new record at the end of the values arena. The
// record the slot pointed at becomes the key's twin if it may
// (twins.mayBecome) and has the new value's length. While the table grows
// the key's old slot, if it has one, is pointed at the new record too (see
// mirror).
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
	key := format.SlotKeyField(s)
	format.SetSlotValue(s, voff, vlen)
	if o := c.mirror(t, fp, key); o != nil {
		format.SetSlotValue(o, voff, vlen)
	}
	switch {
	case fitsTwin(n, vlen) && !c.twins.off && c.vals.holds(cur, n&^layout.SlotExpires) && c.twins.mayBecome(cur, over, c.vals.end):
		c.twins.add(key, cur, size)
		if c.twins.keep {
			format.Retire(c.vals.writable(cur, 0))
		}
	case c.twins.mayHave(cur):
		c.twins.drop(key, size) // none now, or one of the old length, of no use
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
	c.twins.wrote(int64(tw)*layout.Align, int64(len(b)))
	if exp == noExpiry {
		format.PutPayload(b, vb)
	} else {
		format.PutExpiringPayload(b, exp, vb)
	}
	_ = c.fail("value-rewrite") // tests stop the process here, halfway; the write itself cannot fail
	format.PutHeader(b, b[layout.RecordHeaderSize:layout.RecordHeaderSize+n])
}
