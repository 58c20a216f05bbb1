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
// outside the arenas or at keys of another hash, value records too short
// for the expiry their slot says they start with, expiries in a map of
// format version 1, keys that cannot be reached from their home slot or
// appear twice, and counters that disagree with what is there. Keys that
// have expired and are not yet removed are checked as any other. The error
// matches ErrCorrupt. It reads only, and may run alongside other readers.
//
// A dead record that a crash tore as it was written over, between whole
// records (a torn dead record, see package layout, Arena), is not a
// problem: no slot points at it, and Compact drops it. A slot that points
// at one is.
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
		kp, _, err := c.checkSlot(i, s, ks, vs)
		if err != nil {
			p.add(err)
			continue
		}
		count++
		klive += layout.RecordSize(len(kp))
		vlive += slotValueBytes(s)
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
	case s.RecordLen() != vlen:
		return nil, 0, slotError(c.tab, i, "value length", vlen, s.RecordLen())
	case s.Expires() && c.hdr.Version < layout.ExpiryVersion:
		return nil, 0, slotError(c.tab, i, "value length", "no expiry in a map of format version 1", hexa(uint64(s.ValueLen)))
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
