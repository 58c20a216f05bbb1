package diskmap

import (
	"runtime"

	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/layout"
)

// manyGroup is how many lookups of GetMany and ViewMany overlap their reads.
// It is about the number of cache misses a core keeps in flight at once.
const manyGroup = 16

// ViewMany looks up every key of keys and calls fn with the key's index in
// keys and its value as View returns it (nil and false when the key is
// absent), in the order of keys. It gives the same answers as View in a
// loop, faster: it looks keys up in groups, and first reads the slots, then
// the records, of a whole group at once, so that their cache misses overlap
// instead of following one another. A lookup in a map much larger than the
// CPU caches waits for two reads from memory, the slot and then the key and
// value records; ViewMany waits for them about once per group.
//
// v is valid until fn returns or the map changes, whichever comes first. fn
// may change the map; the lookups after it see the change. An error from fn
// stops ViewMany, which returns it.
func (m *Map[K, V]) ViewMany(keys []K, fn func(i int, v []byte, found bool) error) error {
	var (
		scratch [manyGroup][8]byte
		bufs    [manyGroup][]byte
		kbs     [manyGroup][]byte
		fps     [manyGroup]uint32
	)
	for start := 0; start < len(keys); start += manyGroup {
		if err := m.usable(); err != nil {
			return err
		}
		group := keys[start:min(start+manyGroup, len(keys))]
		for j, k := range group {
			kb, err := m.kc.Encode(k, &scratch[j], &bufs[j])
			if err != nil {
				return m.encodeError("key", err)
			}
			kbs[j], fps[j] = kb, layout.Fingerprint(m.hash(kb))
		}
		m.warm(fps[:len(group)])
		for j := range group {
			if err := m.usable(); err != nil {
				return err
			}
			v, found, err := m.find(kbs[j], fps[j])
			if err != nil {
				return err
			}
			if err := fn(start+j, v, found); err != nil {
				return err
			}
		}
	}
	return nil
}

// GetMany returns decoded copies of the values stored under keys, and
// whether each was found, in the order of keys: Get in a loop, faster (see
// ViewMany). On error it returns no values.
func (m *Map[K, V]) GetMany(keys []K) ([]V, []bool, error) {
	vals := make([]V, len(keys))
	found := make([]bool, len(keys))
	var scratch [8]byte
	var buf []byte
	err := m.ViewMany(keys, func(i int, b []byte, ok bool) error {
		if !ok {
			return nil
		}
		kb, err := m.keyFor(keys[i], &scratch, &buf)
		if err != nil {
			return err
		}
		v, err := m.decode(kb, b)
		if err != nil {
			return err
		}
		vals[i], found[i] = v, true
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return vals, found, nil
}

// keyFor returns k's encoding for decoding its value, as GetMany needs it:
// for a key-bound value codec only, and nil for any other.
func (m *Map[K, V]) keyFor(k K, scratch *[8]byte, buf *[]byte) ([]byte, error) {
	if !m.vc.Bound() {
		return nil, nil
	}
	kb, err := m.kc.Encode(k, scratch, buf)
	if err != nil {
		return nil, m.encodeError("key", err)
	}
	return kb, nil
}

// warm reads the home slot of each fingerprint of a group of lookups, then
// the first bytes of the key and value records of each home slot whose
// fingerprint matches, and the last byte of the value. The reads of each
// step do not depend on one another, so the CPU keeps their cache misses in
// flight together, and the probes that follow find the lines in the cache.
// warm judges nothing: a record out of bounds is skipped, and the probes
// report it.
func (c *core) warm(fps []uint32) {
	var acc uint64
	for _, fp := range fps {
		t := c.tableFor(fp)
		sfp, _ := format.SlotHead(t.slot(layout.Home(fp, t.log2)))
		acc += uint64(sfp)
	}
	for _, fp := range fps {
		t := c.tableFor(fp)
		s := layout.ReadSlot(t.slot(layout.Home(fp, t.log2)))
		if s.Fingerprint != fp {
			continue
		}
		if k := int64(s.Key) * layout.Align; k < c.keys.end {
			acc += uint64(c.keys.data[k])
		}
		v := int64(s.Value) * layout.Align
		if last := v + layout.RecordHeaderSize + int64(s.RecordLen()); last <= c.vals.end {
			acc += uint64(c.vals.data[v]) + uint64(c.vals.data[last-1])
		}
	}
	// The reads are the point; without a use the compiler drops them.
	runtime.KeepAlive(acc)
}
