package diskmap

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/diskmap-go/diskmap/layout"
)

// core is the part of a Map that does not depend on its key and value
// types: the files, the header, and the operations on encoded bytes.
type core struct {
	dir  string
	opts Options

	lock       *os.File // holds the directory's advisory lock
	tab        *table
	keys, vals *arena
	hdr        layout.Header // the header; its counters are kept current in memory
	cur        int           // which header copy in the buckets file is newest

	hasher          layout.Hasher
	hashAnd, hashOr uint64 // applied to every hash; tests force collisions with them

	epoch            uint64 // bumped by every mutation; entries compare it
	compactions      uint64 // bumped by every Compact and Close; iterators compare it
	closed, readOnly bool
	failed           error // set when a failed step left the files unusable
}

// usable returns the error that stops any use of the map, if any.
func (c *core) usable() error {
	switch {
	case c.closed:
		return ErrClosed
	case c.failed != nil:
		return c.failed
	}
	return nil
}

// begin is called by every mutation before it changes anything: it checks
// the map is writable and, on the first change since the map was opened,
// marks the header dirty durably, so that a crash from now on is noticed.
func (c *core) begin() error {
	if err := c.usable(); err != nil {
		return err
	}
	if c.readOnly {
		return ErrReadOnly
	}
	c.epoch++
	if c.hdr.Dirty() {
		return nil
	}
	c.hdr.Flags |= layout.FlagDirty
	return c.writeHeader()
}

// hash returns the hash of an encoded key.
func (c *core) hash(kb []byte) uint64 {
	return c.hasher.Sum(kb)&c.hashAnd | c.hashOr
}

// probe looks for the encoded key kb whose fingerprint is fp. It returns
// the slot holding it, or else the slot where it would be inserted: the
// first deleted slot passed, or the empty slot that ended the probe.
func (c *core) probe(kb []byte, fp uint32) (uint64, bool, error) {
	return c.probeIn(c.tab, kb, fp)
}

// probeIn is probe in the table t, which may be one being built. It reads
// the first 8 bytes of each slot, fingerprint and key offset, in one load.
func (c *core) probeIn(t *table, kb []byte, fp uint32) (uint64, bool, error) {
	slots, mask := t.slots, t.mask
	i := layout.Home(fp, t.log2)
	const none = ^uint64(0)
	free := none // the first deleted slot passed
	for range mask + 1 {
		o := i * layout.SlotSize
		w := binary.LittleEndian.Uint64(slots[o : o+8])
		switch key := uint32(w >> 32); {
		case key == layout.SlotEmpty:
			if free != none {
				return free, false, nil
			}
			return i, false, nil
		case key == layout.SlotDeleted:
			if free == none {
				free = i
			}
		case uint32(w) == fp:
			eq, ok := c.keys.equal(key, kb)
			if !ok {
				return i, false, slotCorrupt(t, i, "key offset", key)
			}
			if eq {
				return i, true, nil
			}
		}
		i = (i + 1) & mask
	}
	if free != none {
		return free, false, nil
	}
	return 0, false, &CorruptError{File: t.path, Offset: layout.MetaSize, Field: "slot table", Expected: "an empty slot", Found: "none"}
}

// store puts the encoded value vb under the encoded key kb, whose probe
// ended at slot i, and returns the slot that holds it now (the table may
// have grown).
func (c *core) store(i uint64, found bool, kb []byte, fp uint32, vb []byte) (uint64, error) {
	if len(kb) > layout.MaxKeyLen || len(vb) > layout.MaxValueLen {
		return 0, fmt.Errorf("diskmap: key of %d bytes or value of %d bytes: %w", len(kb), len(vb), ErrTooLarge)
	}
	if found {
		s := layout.ReadSlot(c.tab.slot(i))
		voff, err := c.vals.append(vb)
		if err != nil {
			return 0, err
		}
		c.vals.live += layout.RecordSize(len(vb)) - layout.RecordSize(int(s.ValueLen))
		layout.SetSlotValue(c.tab.slot(i), voff, uint32(len(vb)))
		return i, nil
	}
	reuse := le32(c.tab.slot(i)[4:]) == layout.SlotDeleted
	if !reuse && c.full() {
		if err := c.grow(); err != nil {
			return 0, err
		}
		var err error
		if i, _, err = c.probe(kb, fp); err != nil {
			return 0, err
		}
		reuse = false
	}
	kend := c.keys.end
	koff, err := c.keys.append(kb)
	if err != nil {
		return 0, err
	}
	voff, err := c.vals.append(vb)
	if err != nil {
		c.keys.end = kend
		return 0, err
	}
	layout.WriteSlot(c.tab.slot(i), layout.Slot{Fingerprint: fp, Key: koff, Value: voff, ValueLen: uint32(len(vb))})
	c.keys.live += layout.RecordSize(len(kb))
	c.vals.live += layout.RecordSize(len(vb))
	c.hdr.Count++
	if reuse {
		c.hdr.Tombstones--
	}
	return i, nil
}

// remove deletes the key of klen bytes held in slot i.
func (c *core) remove(i uint64, klen int) {
	s := c.tab.slot(i)
	c.vals.live -= layout.RecordSize(int(le32(s[12:])))
	c.keys.live -= layout.RecordSize(klen)
	layout.SetSlotKey(s, layout.SlotDeleted)
	c.hdr.Count--
	c.hdr.Tombstones++
}

// full reports whether one more used slot would pass the maximum load.
func (c *core) full() bool {
	used := c.hdr.Count + c.hdr.Tombstones + 1
	return float64(used) > c.opts.MaxLoad*float64(c.tab.mask+1)
}

func (c *core) encodeError(what string, err error) error {
	return fmt.Errorf("diskmap: %s: encoding %s: %w", c.dir, what, err)
}

// slotCorrupt reports a slot of t whose field points outside its arena.
func slotCorrupt(t *table, i uint64, field string, found uint32) error {
	return &CorruptError{File: t.path, Offset: layout.SlotOffset(i), Field: "slot " + field,
		Expected: "a record within the arena", Found: uint64(found) * layout.Align}
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
