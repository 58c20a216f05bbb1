package diskmap

import (
	"fmt"
	"math"
	"time"

	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Keys that expire. A key put with a time to live stores its expiry, an
// absolute time, at the start of its value record, and its slot says so
// (layout.SlotExpires); see package layout, Expiry. From the moment it
// expires the key is absent for every read. It stays in the files until a
// write removes it: a put or a delete that meets it, the sweep below,
// RemoveExpired, or Compact.

// noExpiry is the expiry that put takes for a key that never expires. No
// key put with a time to live has it: its expiry is now plus a positive
// duration.
const noExpiry = math.MinInt64

// sweepSlots is how many slots of the table each write looks at for
// expired keys.
const sweepSlots = 16

// PutTTL stores v under k, as Put does, to expire ttl from now by the
// map's clock (Options.Clock). ttl must be positive. A Put of k later
// removes the expiry; a PutTTL replaces it.
func (m *Map[K, V]) PutTTL(k K, v V, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := m.begin(); err != nil {
		return err
	}
	var ks, vs [8]byte
	kb, vb, err := m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return err
	}
	if _, err := m.put(kb, vb, layout.ExpiryAfter(m.now(), ttl), live); err != nil {
		return err
	}
	return m.waitDurable()
}

// checkTTL returns an error for a time to live that is not positive.
func checkTTL(ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("diskmap: time to live %v: want a positive duration", ttl)
	}
	return nil
}

// TTL returns the time k has left before it expires, and whether k is in
// the map: 0 and true for a key that never expires, 0 and false for a key
// that is not there or has expired.
func (m *Map[K, V]) TTL(k K) (time.Duration, bool, error) {
	if err := m.usable(); err != nil {
		return 0, false, err
	}
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, new([]byte))
	if err != nil {
		return 0, false, m.encodeError("key", err)
	}
	i, found, err := m.probe(kb, layout.Fingerprint(m.hash(kb)))
	if !found || err != nil {
		return 0, false, err
	}
	s := layout.ReadSlot(m.tab.slot(i))
	if !s.Expires() {
		return 0, true, nil
	}
	exp, err := m.expiry(i, s)
	if err != nil {
		return 0, false, err
	}
	now := m.now()
	if layout.Expired(exp, now) {
		return 0, false, nil
	}
	if now < 0 && exp > math.MaxInt64+now {
		return time.Duration(math.MaxInt64), true, nil
	}
	return time.Duration(exp - now), true, nil
}

// RemoveExpired removes every key that has expired by now, and returns how
// many it removed. It reads the whole table.
func (m *Map[K, V]) RemoveExpired() (int, error) {
	if err := m.beginWrite(); err != nil {
		return 0, err
	}
	now := m.now()
	var batch []uint64
	removed, expiring := 0, false
	for i := range m.tab.mask + 1 {
		s := layout.ReadSlot(m.tab.slot(i))
		if !s.Occupied() || !s.Expires() {
			continue
		}
		expiring = true
		if exp, err := m.expiry(i, s); err != nil || !layout.Expired(exp, now) {
			continue // a damaged slot is left as it is, for Check to report
		}
		if batch = append(batch, i); len(batch) == 256 {
			if err := m.removeSlots(batch); err != nil {
				return removed, err
			}
			removed, batch = removed+len(batch), batch[:0]
		}
	}
	if err := m.removeSlots(batch); err != nil {
		return removed, err
	}
	removed += len(batch)
	if !expiring {
		m.sweep.idle = true
	}
	if removed == 0 {
		return 0, nil
	}
	return removed, m.waitDurable()
}

// now returns the time by the map's clock, in Unix nanoseconds.
func (c *core) now() int64 { return c.opts.Clock().UnixNano() }

// expiry returns the expiry stored in the value record of slot i, s, which
// has SlotExpires set.
func (c *core) expiry(i uint64, s layout.Slot) (int64, error) {
	p, ok := c.vals.view(s.Value, s.RecordLen())
	if !ok {
		return 0, valueError(c.tab, i, s)
	}
	if len(p) < layout.ExpirySize {
		return 0, slotError(c.tab, i, "value length", "at least 8 bytes, for the expiry", len(p))
	}
	return layout.Expiry(p), nil
}

// expiringValue is value for a slot with SlotExpires set: the value after
// the expiry, and false if the key has expired.
func (c *core) expiringValue(i uint64, s layout.Slot) ([]byte, bool, error) {
	exp, err := c.expiry(i, s)
	if err != nil {
		return nil, false, err
	}
	if layout.Expired(exp, c.now()) {
		return nil, false, nil
	}
	b, _ := c.vals.view(s.Value, s.RecordLen())
	return b[layout.ExpirySize:], true, nil
}

// expiredSlot reports whether occupied slot i holds a key that has
// expired. A slot whose record is damaged has not: a write goes on with it
// as before.
func (c *core) expiredSlot(i uint64) bool {
	s := layout.ReadSlot(c.tab.slot(i))
	if !s.Expires() {
		return false
	}
	exp, err := c.expiry(i, s)
	return err == nil && layout.Expired(exp, c.now())
}

// removeSlots removes the keys of the occupied slots idx, whose key
// records it reads, with one frame of deletes in the log in the WAL modes.
// A slot whose key record is damaged is left as it is.
func (c *core) removeSlots(idx []uint64) error {
	if len(idx) == 0 {
		return nil
	}
	keys := make([][]byte, len(idx))
	ops := c.walbuf[:0]
	for j, i := range idx {
		if kp, err := c.keys.record(layout.ReadSlot(c.tab.slot(i)).Key); err == nil {
			keys[j] = kp
			if c.logged() {
				ops = wal.AppendDelete(ops, kp)
			}
		}
	}
	if c.walbuf = ops; len(ops) > 0 {
		if _, err := c.log.Append(ops); err != nil {
			return err
		}
	}
	for j, i := range idx {
		if keys[j] != nil {
			c.unset(i, len(keys[j]))
		}
	}
	return nil
}

// sweeper is the cursor of the sweep: each write looks at the next
// sweepSlots slots of the table, wrapping at its end, and removes the
// expired keys it finds there, so that expired keys that nothing reads
// again do not pile up. A lap is one pass over the whole table; after a
// lap that met no key with an expiry, the sweep rests until a key is put
// with one.
type sweeper struct {
	next  uint64 // the next slot to look at
	left  uint64 // slots left in this lap
	slots uint64 // the table's size when the lap started
	gen   uint64 // core.compactions when the lap started
	seen  bool   // a key with an expiry was met in this lap, or put
	idle  bool   // the last lap met no key with an expiry, and none was put since
}

// wake tells the sweep that a key with an expiry was put.
func (sw *sweeper) wake() { sw.idle, sw.seen = false, true }

// expiring reports whether the table may hold keys with an expiry.
func (sw *sweeper) expiring() bool { return !sw.idle }

// lap starts a lap over a table of the given slots.
func (sw *sweeper) lap(slots, gen uint64) {
	sw.left, sw.slots, sw.gen, sw.seen = slots, slots, gen, false
}

// sweepStep advances the sweep by sweepSlots slots. A table replaced since
// the lap began (grown, rebuilt, compacted) starts a new lap: its keys
// moved.
func (c *core) sweepStep() error {
	sw := &c.sweep
	if sw.idle {
		return nil
	}
	slots := c.tab.mask + 1
	if sw.slots != slots || sw.gen != c.compactions {
		sw.lap(slots, c.compactions)
	} else if sw.left == 0 {
		if !sw.seen {
			sw.idle = true
			return nil
		}
		sw.lap(slots, c.compactions)
	}
	var found [sweepSlots]uint64
	n, now, timed := 0, int64(0), false
	for range min(sweepSlots, sw.left) {
		i := sw.next & c.tab.mask
		sw.next, sw.left = i+1, sw.left-1
		s := layout.ReadSlot(c.tab.slot(i))
		if !s.Occupied() || !s.Expires() {
			continue
		}
		sw.seen = true
		if !timed {
			now, timed = c.now(), true
		}
		if exp, err := c.expiry(i, s); err == nil && layout.Expired(exp, now) {
			found[n], n = i, n+1
		}
	}
	return c.removeSlots(found[:n])
}

// storedExpired reports whether the encoded key kb is stored in the map
// and has expired.
func (c *core) storedExpired(kb []byte) bool {
	i, found, err := c.probe(kb, layout.Fingerprint(c.hash(kb)))
	return found && err == nil && c.expiredSlot(i)
}
