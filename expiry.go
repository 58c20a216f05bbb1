package diskmap

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Keys that expire. A key put with a time to live stores its expiry, an
// absolute time, at the start of its value record, and its slot says so
// (layout.SlotExpires); see package layout, Expiry. From the moment it
// expires the key is absent for every read. It stays in the files until a
// write removes it: a put or a delete that meets it, the sweep below,
// RemoveExpired, or a compaction (Compact, or one a write makes by itself).
// Stats.Expired counts them all.

// noExpiry is the expiry that put takes for a key that never expires. No
// key put with a time to live has it: its expiry is now plus a positive
// duration.
const noExpiry = math.MinInt64

// The pace of the sweep: how many slots of the table each write looks at
// for expired keys. It starts at sweepStart, doubles up to sweepFast
// while a quarter or more of the keys with an expiry that it meets have
// expired, and halves down to sweepSlow while fewer than an eighth have:
// a write reads as few expiries as keep up with the keys that expire.
const (
	sweepSlow  = 2
	sweepStart = 16
	sweepFast  = 32
)

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
	if err := m.compactIfDue(&kb, &vb); err != nil {
		return err
	}
	if _, err := m.put(kb, vb, expiryAfter(m.writeNow(), ttl), live); err != nil {
		return err
	}
	return m.waitDurable()
}

// expiryAfter returns the expiry of a key put at now with a time to live
// of ttl, which is positive: now plus ttl, in Unix nanoseconds, or the
// latest time there is if that would overflow.
func expiryAfter(now int64, ttl time.Duration) int64 {
	if now > 0 && int64(ttl) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(ttl)
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
	t, i, found, err := m.lookup(kb, layout.Fingerprint(m.hash(kb)))
	if !found || err != nil {
		return 0, false, err
	}
	s := layout.ReadSlot(t.slot(i))
	if !s.Expires() {
		return 0, true, nil
	}
	exp, err := m.expiry(t, i, s)
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
// many it removed. It reads the whole table (while it grows, both), and
// logs its deletes in frames of up to removeChunk keys.
func (m *Map[K, V]) RemoveExpired() (int, error) {
	if err := m.beginWrite(); err != nil {
		return 0, err
	}
	removed, expiring := 0, false
	for _, t := range m.tables() {
		n, left, err := m.removeExpiredIn(t, m.writeNow())
		removed, expiring = removed+n, expiring || left
		if err != nil {
			return removed, err
		}
	}
	m.sweep.passed(expiring)
	if removed == 0 {
		return 0, nil
	}
	return removed, m.waitDurable()
}

// removeExpiredIn removes the keys of table t that have expired by now,
// and reports how many it removed and whether it left a key with an
// expiry. Of the old table of a growth it reads the slots not moved yet
// (see grow.go).
func (c *core) removeExpiredIn(t *table, now int64) (removed int, expiring bool, err error) {
	var chunk []uint64
	for i := range t.mask + 1 {
		s := layout.ReadSlot(t.slot(i))
		if !s.Occupied() || !s.Expires() || !c.holds(t, i) {
			continue
		}
		if exp, err := c.expiry(t, i, s); err != nil || !layout.Expired(exp, now) {
			expiring = true // a key left with an expiry; a damaged slot is left for Check
			continue
		}
		if chunk = append(chunk, i); len(chunk) == removeChunk {
			n, err := c.removeSlots(t, chunk)
			if removed += n; err != nil {
				return removed, expiring, err
			}
			chunk = chunk[:0]
		}
	}
	n, err := c.removeSlots(t, chunk)
	return removed + n, expiring, err
}

// removeChunk is the most keys RemoveExpired removes with one frame of the
// log.
const removeChunk = 256

// now returns the time by the map's clock, in Unix nanoseconds. Readers
// read it for each key with an expiry that they find.
func (c *core) now() int64 { return c.opts.Clock().UnixNano() }

// clockRead is the time of one lookup, read from the clock when the lookup
// first needs it: most lookups meet no key with an expiry, and read no
// clock.
type clockRead struct {
	ns   int64
	read bool
}

// at returns the time of the lookup.
func (r *clockRead) at(c *core) int64 {
	if !r.read {
		r.ns, r.read = c.now(), true
	}
	return r.ns
}

// passedOver reports whether a lookup passes over occupied slot i of t, of
// the fingerprint it looks for: the slot's key has an expiry that the
// lookup's time has reached. A slot whose expiry cannot be read is not
// passed over: the lookup compares its key, and whoever reads its value
// meets the damage.
func (c *core) passedOver(t *table, i uint64, now *clockRead) bool {
	s := layout.ReadSlot(t.slot(i))
	if !s.Expires() || s.RecordLen() < layout.ExpirySize {
		return false
	}
	p, ok := c.vals.view(s.Value, layout.ExpirySize)
	return ok && layout.Expired(layout.Expiry(p), now.at(c))
}

// writeNow returns the time of the mutation running: the clock's time when
// the mutation first needed it, so that a mutation, and everything it
// judges, has one time.
func (c *core) writeNow() int64 {
	if !c.timed {
		c.wtime, c.timed = c.now(), true
	}
	return c.wtime
}

// expiry returns the expiry stored in the value record of slot i of t, s,
// which has SlotExpires set.
func (c *core) expiry(t *table, i uint64, s layout.Slot) (int64, error) {
	p, ok := c.vals.view(s.Value, s.RecordLen())
	if !ok {
		return 0, valueError(t, i, s)
	}
	if len(p) < layout.ExpirySize {
		return 0, slotError(t, i, "value length", "at least 8 bytes, for the expiry", len(p))
	}
	return layout.Expiry(p), nil
}

// expiringValue is value for a slot with SlotExpires set: the value after
// the expiry, and false if the key has expired.
func (c *core) expiringValue(t *table, i uint64, s layout.Slot) ([]byte, bool, error) {
	exp, err := c.expiry(t, i, s)
	if err != nil {
		return nil, false, err
	}
	if layout.Expired(exp, c.now()) {
		return nil, false, nil
	}
	b, _ := c.vals.view(s.Value, s.RecordLen())
	return b[layout.ExpirySize:], true, nil
}

// expiredSlot reports whether occupied slot i of t holds a key that has
// expired by the time of the mutation running. A slot whose record is
// damaged has not: a write goes on with it as before.
func (c *core) expiredSlot(t *table, i uint64) bool {
	s := layout.ReadSlot(t.slot(i))
	if !s.Expires() {
		return false
	}
	exp, err := c.expiry(t, i, s)
	return err == nil && layout.Expired(exp, c.writeNow())
}

// removeSlots removes the keys of the occupied slots idx of t, which have
// expired, with one frame of deletes in the log in the WAL modes, and
// returns how many it removed. A slot whose key record is damaged is left
// as it is, for Check to report.
func (c *core) removeSlots(t *table, idx []uint64) (int, error) {
	n := 0
	ops := c.walbuf[:0]
	for _, i := range idx {
		kp, err := c.keys.record(layout.ReadSlot(t.slot(i)).Key)
		if err != nil {
			continue
		}
		idx[n], n = i, n+1
		if c.logged() {
			ops = wal.AppendDelete(ops, kp)
		}
	}
	if c.walbuf = ops; len(ops) > 0 {
		if _, err := c.log.Append(ops); err != nil {
			return 0, err
		}
	}
	for _, i := range idx[:n] {
		s := layout.ReadSlot(t.slot(i))
		kp, _ := c.keys.record(s.Key)
		c.unset(t, i, s.Fingerprint, len(kp))
	}
	c.expired += uint64(n)
	return n, nil
}

// sweeper is the cursor of the sweep: each write looks at the next pace
// slots of the table, wrapping at its end, and removes the expired keys it
// finds there, so that expired keys that nothing reads again do not pile
// up. A lap is one pass over the whole table; after a lap that met no key
// with an expiry, the sweep rests until a key is put with one.
type sweeper struct {
	pace uint64 // slots a step looks at, sweepSlow to sweepFast; 0 before the first
	next uint64 // the next slot to look at
	left uint64 // slots left in this lap
	tab  *table // the table the lap is over
	seen bool   // a key with an expiry was met in this lap, or put
	idle bool   // the last lap met no key with an expiry, and none was put since
}

// wake tells the sweep that a key with an expiry was put.
func (sw *sweeper) wake() { sw.idle, sw.seen = false, true }

// expiring reports whether the table may hold keys with an expiry.
func (sw *sweeper) expiring() bool { return !sw.idle }

// passed tells the sweep that a pass over the whole table (a compaction,
// RemoveExpired) found whether a key it left has an expiry: if none has,
// the sweep rests.
func (sw *sweeper) passed(expiring bool) {
	if !expiring {
		sw.idle = true
	}
}

// lap starts a lap over the table t.
func (sw *sweeper) lap(t *table) {
	sw.left, sw.tab, sw.seen = t.mask+1, t, false
	if sw.pace == 0 {
		sw.pace = sweepStart
	}
}

// sweepStep advances the sweep by its pace. A table replaced since the lap
// began (grown, rebuilt at its size, compacted, reopened) starts a new lap:
// its keys may have moved. While a table grows the sweep goes over the new
// one: the keys of the old one reach it as they move.
func (c *core) sweepStep() error {
	sw := &c.sweep
	if sw.idle {
		return nil
	}
	t := c.current()
	if sw.tab != t {
		sw.lap(t)
	} else if sw.left == 0 {
		if !sw.seen {
			sw.idle = true
			return nil
		}
		sw.lap(t)
	}
	// The slots first, then the expiries of those that have one: the reads
	// of the expiries do not depend on one another, so that their cache
	// misses overlap (as in warm).
	var expiring [sweepFast]uint64
	n := 0
	for range min(sw.pace, sw.left) {
		i := sw.next & t.mask
		sw.next, sw.left = i+1, sw.left-1
		if s := layout.ReadSlot(t.slot(i)); s.Occupied() && s.Expires() {
			expiring[n], n = i, n+1
		}
	}
	if n == 0 {
		return nil
	}
	sw.seen = true
	expired := c.expiredOf(t, expiring[:n], c.writeNow())
	sw.adapt(len(expired), n)
	_, err := c.removeSlots(t, expired)
	return err
}

// adapt sets the pace after a step that found expired keys among the
// keys with an expiry it met.
func (sw *sweeper) adapt(expired, met int) {
	switch {
	case 4*expired >= met:
		sw.pace = min(2*sw.pace, sweepFast)
	case 8*expired < met:
		sw.pace = max(sw.pace/2, sweepSlow)
	}
}

// expiredOf returns, in place, the slots of idx of t, occupied and with an
// expiry, whose keys have expired at now.
func (c *core) expiredOf(t *table, idx []uint64, now int64) []uint64 {
	var acc uint64
	for _, i := range idx {
		if p, ok := c.vals.view(layout.ReadSlot(t.slot(i)).Value, layout.ExpirySize); ok {
			acc += uint64(p[0])
		}
	}
	runtime.KeepAlive(acc) // the reads are the point: see warm
	n := 0
	for _, i := range idx {
		if exp, err := c.expiry(t, i, layout.ReadSlot(t.slot(i))); err == nil && layout.Expired(exp, now) {
			idx[n], n = i, n+1
		}
	}
	return idx[:n]
}

// storedExpired reports whether the encoded key kb is stored in the map
// and has expired.
func (c *core) storedExpired(kb []byte) bool {
	t, i, found, err := c.probe(kb, layout.Fingerprint(c.hash(kb)))
	return found && err == nil && c.expiredSlot(t, i)
}
