package diskmap

import (
	"errors"
	"fmt"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// maxProblems bounds how many problems Check reports.
const maxProblems = 20

// Check walks every record of both arenas and every slot of the table and
// reports the inconsistencies it finds, each with its file and offset, up to
// 20 of them: records that are torn or fail their checksum, slots pointing
// outside the arenas or at keys of another hash, value records too short
// for the expiry their slot says they start with, expiries in a map of
// format version 1, keys that cannot be reached from their home slot or
// appear twice, and counters that disagree with what is there. Keys that
// have expired and are not yet removed are checked as any other. The error
// matches ErrCorrupt. It reads only, and may run alongside other readers.
//
// A dead record that is not whole, a retired twin, one a crash tore as it
// was written over below the values arena's end as the header records
// it, or a torn dead record between whole ones past it (see package
// layout, Arena), is not a problem: no slot points at it, and Compact
// drops it. A slot that points at one is.
func (m *Map[K, V]) Check() error {
	if err := m.usable(); err != nil {
		return err
	}
	var p problems
	ks, err := m.keys.records(0)
	if err != nil {
		p.add(err)
	}
	vs, err := m.vals.records(int64(m.hdr.ValuesEnd))
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

// checkSlots checks each slot against the records it points at and the
// probe that should find it, and the header's counters against the slots.
// While the table grows it checks the old table's slots not moved yet and
// every slot of the new one, and, in DurabilityOS, that each moved slot
// of the old table still holding a key holds it as the new table does.
func (c *core) checkSlots(p *problems, ks, vs recordSet) {
	var n slotCounts
	g := c.growing
	total := int64(c.tab.mask + 1)
	if g != nil {
		total += int64(g.next.mask + 1)
	}
	pr := c.startProgress(OpCheck, total)
	defer pr.end()
	for i := range c.tab.mask + 1 {
		pr.at(int64(i))
		if g != nil && g.slotMoved(c.tab, i) {
			c.checkMoved(p, i)
			continue
		}
		c.countSlot(p, &n, c.tab, i, ks, vs)
	}
	oldTombs := n.tombs
	if g != nil {
		for i := range g.next.mask + 1 {
			pr.at(int64(c.tab.mask + 1 + i))
			c.countSlot(p, &n, g.next, i, ks, vs)
		}
	}
	at := func(field string, want, got any) {
		p.add(&CorruptError{File: c.tab.path, Offset: int64(c.cur) * layout.HeaderCopyOffset, Field: field, Expected: want, Found: got})
	}
	if n.count != c.hdr.Count {
		at("key count", n.count, c.hdr.Count)
	}
	if n.tombs != c.hdr.Tombstones {
		at("tombstone count", n.tombs, c.hdr.Tombstones)
	}
	if g != nil && oldTombs != g.oldTombs {
		at("tombstones of the old table", oldTombs, g.oldTombs)
	}
	if n.klive != c.keys.live {
		at("live key bytes", n.klive, c.keys.live)
	}
	if n.vlive != c.vals.live {
		at("live value bytes", n.vlive, c.vals.live)
	}
}

// slotCounts is what checkSlots counts.
type slotCounts struct {
	count, tombs uint64
	klive, vlive int64
}

// countSlot checks slot i of t and counts it.
func (c *core) countSlot(p *problems, n *slotCounts, t *table, i uint64, ks, vs recordSet) {
	s := layout.ReadSlot(t.slot(i))
	switch s.Key {
	case layout.SlotEmpty:
		return
	case layout.SlotDeleted:
		n.tombs++
		return
	}
	kp, _, err := c.checkSlot(t, i, s, ks, vs)
	if err != nil {
		p.add(err)
		return
	}
	n.count++
	n.klive += layout.RecordSize(len(kp))
	n.vlive += slotValueBytes(s)
}

// checkSlot checks one occupied slot of t and returns its key and value
// length.
func (c *core) checkSlot(t *table, i uint64, s layout.Slot, ks, vs recordSet) ([]byte, uint32, error) {
	kp, vlen, err := c.slotRecords(t, i, s, ks, vs)
	switch {
	case err != nil:
		return nil, 0, err
	case s.RecordLen() != vlen:
		return nil, 0, slotError(t, i, "value length", vlen, s.RecordLen())
	case s.Expires() && c.hdr.Version < layout.ExpiryVersion:
		return nil, 0, slotError(t, i, "value length", "no expiry in a map of format version 1", hexa(uint64(s.ValueLen)))
	}
	pt, j, found, err := c.probe(kp, s.Fingerprint)
	switch {
	case err != nil:
		return nil, 0, err
	case !found:
		return nil, 0, slotError(t, i, "key", "reachable from its home slot", "an empty slot on the way")
	case pt != t || j != i:
		return nil, 0, slotError(t, i, "key", "unique", fmt.Sprintf("also in slot %d of %s", j, pt.path))
	}
	return kp, vlen, nil
}

// checkMoved checks slot i of the old table, moved already, in
// DurabilityOS: holding a key, it must hold it as the new table does,
// which mirrors every write to it there (see grow.go).
func (c *core) checkMoved(p *problems, i uint64) {
	s := layout.ReadSlot(c.tab.slot(i))
	if !s.Occupied() || c.tab.mode == mmap.Private {
		return
	}
	next := c.growing.next
	j, ok := findIn(next, s.Fingerprint, s.Key)
	if !ok {
		p.add(slotError(c.tab, i, "key", "moved, and in the new table or deleted", "in no slot of "+next.path))
		return
	}
	if n := layout.ReadSlot(next.slot(j)); n != s {
		p.add(slotError(c.tab, i, "value", fmt.Sprintf("as slot %d of %s: %d bytes at %d", j, next.path, n.ValueLen, uint64(n.Value)*layout.Align),
			fmt.Sprintf("%d bytes at %d", s.ValueLen, uint64(s.Value)*layout.Align)))
	}
}
