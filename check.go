package diskmap

import (
	"errors"
	"fmt"

	"github.com/diskmap-go/diskmap/layout"
)

// maxProblems bounds how many problems Check reports.
const maxProblems = 20

// Check walks every record of both arenas and every slot of the table and
// reports the inconsistencies it finds, each with its file and offset, up to
// 20 of them: records that are torn or fail their checksum, slots pointing
// outside the arenas or at keys of another hash, keys that cannot be
// reached from their home slot or appear twice, and counters that disagree
// with what is there. The error matches ErrCorrupt. It reads only, and may
// run alongside other readers.
func (m *Map[K, V]) Check() error {
	if err := m.usable(); err != nil {
		return err
	}
	var p problems
	ks, err := m.keys.records()
	if err != nil {
		p.add(err)
	}
	vs, err := m.vals.records()
	if err != nil {
		p.add(err)
	}
	m.checkSlots(&p, ks, vs)
	return p.err()
}

// problems gathers what Check finds.
type problems struct {
	errs []error
	more int
}

func (p *problems) add(err error) {
	if len(p.errs) == maxProblems {
		p.more++
		return
	}
	p.errs = append(p.errs, err)
}

func (p *problems) err() error {
	if p.more > 0 {
		p.errs = append(p.errs, fmt.Errorf("diskmap: and %d more problems", p.more))
	}
	return errors.Join(p.errs...)
}

// records walks the records from the first to the end, checking each, and
// returns where they start, as a set of offsets / 8, with the error that
// ended the walk early, if any. A slot must point at one of these: a
// valid-looking record inside another one is not a record.
func (a *arena) records() (recordSet, error) {
	set := make(recordSet, a.end/layout.Align/64+1)
	off := int64(layout.ArenaHeaderSize)
	for off < a.end {
		b, err := layout.CheckRecord(a.data, off, a.end)
		if err != nil {
			return set, layout.At(err, a.path, 0)
		}
		set.add(uint32(off / layout.Align))
		off += layout.RecordSize(len(b))
	}
	return set, nil
}

// recordSet is a set of record offsets / 8.
type recordSet []uint64

func (s recordSet) add(off uint32) { s[off/64] |= 1 << (off % 64) }

func (s recordSet) has(off uint32) bool {
	return int(off/64) < len(s) && s[off/64]&(1<<(off%64)) != 0
}

// checkSlots checks each slot against the records it points at and the
// probe that should find it, and the header's counters against the slots.
func (c *core) checkSlots(p *problems, ks, vs recordSet) {
	var count, tombs uint64
	var klive, vlive int64
	for i := range c.tab.mask + 1 {
		s := layout.ReadSlot(c.tab.slot(i))
		switch s.Key {
		case layout.SlotEmpty:
			continue
		case layout.SlotDeleted:
			tombs++
			continue
		}
		kp, vlen, err := c.checkSlot(i, s, ks, vs)
		if err != nil {
			p.add(err)
			continue
		}
		count++
		klive += layout.RecordSize(len(kp))
		vlive += layout.RecordSize(int(vlen))
	}
	at := func(field string, want, got any) {
		p.add(&CorruptError{File: c.tab.path, Offset: int64(c.cur) * layout.HeaderCopyOffset, Field: field, Expected: want, Found: got})
	}
	if count != c.hdr.Count {
		at("key count", count, c.hdr.Count)
	}
	if tombs != c.hdr.Tombstones {
		at("tombstone count", tombs, c.hdr.Tombstones)
	}
	if klive != c.keys.live {
		at("live key bytes", klive, c.keys.live)
	}
	if vlive != c.vals.live {
		at("live value bytes", vlive, c.vals.live)
	}
}

// checkSlot checks one occupied slot and returns its key and value length.
func (c *core) checkSlot(i uint64, s layout.Slot, ks, vs recordSet) ([]byte, uint32, error) {
	kp, vlen, err := c.slotRecords(i, s, ks, vs)
	switch {
	case err != nil:
		return nil, 0, err
	case s.ValueLen != vlen:
		return nil, 0, slotError(c.tab, i, "value length", vlen, s.ValueLen)
	}
	j, found, err := c.probe(kp, s.Fingerprint)
	switch {
	case err != nil:
		return nil, 0, err
	case !found:
		return nil, 0, slotError(c.tab, i, "key", "reachable from its home slot", "an empty slot on the way")
	case j != i:
		return nil, 0, slotError(c.tab, i, "key", "unique", fmt.Sprintf("also in slot %d", j))
	}
	return kp, vlen, nil
}

// slotRecords checks the records an occupied slot i points at: records of
// the arenas' chains (ks, vs), whole, within the ends, and the key hashing
// to the slot's fingerprint. It returns the key and the value's true
// length. Check and recovery both judge slots by it.
func (c *core) slotRecords(i uint64, s layout.Slot, ks, vs recordSet) ([]byte, uint32, error) {
	if !ks.has(s.Key) {
		return nil, 0, slotError(c.tab, i, "key record", "a record of the keys arena", uint64(s.Key)*layout.Align)
	}
	if !vs.has(s.Value) {
		return nil, 0, slotError(c.tab, i, "value record", "a record of the values arena", uint64(s.Value)*layout.Align)
	}
	kp, err := layout.CheckRecord(c.keys.data, int64(s.Key)*layout.Align, c.keys.end)
	if err != nil {
		return nil, 0, slotError(c.tab, i, "key record", "a whole record in keys", layout.At(err, c.keys.path, 0))
	}
	if fp := layout.Fingerprint(c.hash(kp)); fp != s.Fingerprint {
		return nil, 0, slotError(c.tab, i, "fingerprint", hexa(uint64(fp)), hexa(uint64(s.Fingerprint)))
	}
	vp, err := layout.CheckRecord(c.vals.data, int64(s.Value)*layout.Align, c.vals.end)
	if err != nil {
		return nil, 0, slotError(c.tab, i, "value record", "a whole record in values", layout.At(err, c.vals.path, 0))
	}
	return kp, uint32(len(vp)), nil
}

// slotError reports what is wrong with slot i of t.
func slotError(t *table, i uint64, field string, want, got any) error {
	return &CorruptError{File: t.path, Offset: layout.SlotOffset(i), Field: "slot " + field, Expected: want, Found: got}
}
