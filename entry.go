package diskmap

import (
	"fmt"
	"time"

	"github.com/diskmap-go/diskmap/layout"
)

// Entry is one key of a map, looked up once to learn whether it is there,
// and then read or written:
//
//	n, err := m.Entry("hits").AndModify(func(v *int) { *v++ }).OrInsert(1)
//
// Its reads and writes take the map's own paths, which find the key again
// (in lines the first lookup left in the cache). An Entry is good until the map is changed by anything other than the
// entry itself; after that its methods return ErrStale. An error met while
// looking the key up is kept and returned by every method.
type Entry[K, V any] struct {
	m     *Map[K, V]
	key   K
	kb    []byte // the encoded key, owned by the entry
	found bool
	epoch uint64 // m.epoch when the entry last looked or wrote
	err   error
}

// Entry looks k up and returns its entry.
func (m *Map[K, V]) Entry(k K) *Entry[K, V] {
	e := &Entry[K, V]{m: m, key: k, epoch: m.epoch}
	if e.err = m.usable(); e.err != nil {
		return e
	}
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, new([]byte))
	if err != nil {
		e.err = m.encodeError("key", err)
		return e
	}
	e.kb = append([]byte(nil), kb...)
	e.found, e.err = m.contains(e.kb)
	return e
}

// Key returns the entry's key.
func (e *Entry[K, V]) Key() K { return e.key }

// Found reports whether the key was in the map when the entry was made, or
// is now because the entry wrote it.
func (e *Entry[K, V]) Found() bool { return e.found }

// Err returns the error the entry met, if any.
func (e *Entry[K, V]) Err() error { return e.check() }

// check returns the entry's error, or ErrStale if the map changed since.
func (e *Entry[K, V]) check() error {
	switch {
	case e.err != nil:
		return e.err
	case e.m.closed:
		return ErrClosed
	case e.m.epoch != e.epoch:
		return fmt.Errorf("entry for %v in %s: %w", e.key, e.m.dir, ErrStale)
	}
	return nil
}

// Value returns a decoded copy of the entry's value, or the zero value if
// the key is not in the map.
func (e *Entry[K, V]) Value() (V, error) {
	v, _, err := e.current()
	return v, err
}

// current returns a decoded copy of the entry's value, if the key is in
// the map. A key found when the entry was made may have expired since: the
// entry then knows the key is not there.
func (e *Entry[K, V]) current() (V, bool, error) {
	var v V
	if err := e.check(); err != nil || !e.found {
		return v, false, err
	}
	b, found, err := e.m.find(e.kb, layout.Fingerprint(e.m.hash(e.kb)))
	if err != nil {
		return v, false, err
	}
	if !found {
		e.found = false // expired since
		return v, false, nil
	}
	v, err = e.m.decode(e.kb, b)
	return v, err == nil, err
}

// Set stores v under the entry's key, which then never expires. It may
// first compact the map (see Map.Put); the entry stays good.
func (e *Entry[K, V]) Set(v V) error {
	return e.set(v, 0)
}

// SetTTL stores v under the entry's key, to expire ttl from now, as
// Map.PutTTL does.
func (e *Entry[K, V]) SetTTL(v V, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	return e.set(v, ttl)
}

// set stores v under the entry's key, to expire ttl from now, or never
// if ttl is 0.
func (e *Entry[K, V]) set(v V, ttl time.Duration) error {
	if err := e.check(); err != nil {
		return err
	}
	m := e.m
	if err := m.begin(); err != nil {
		return err
	}
	e.epoch = m.epoch
	var scratch [8]byte
	vb, err := m.vc.EncodeFor(e.kb, v, &scratch, &m.vbuf)
	if err != nil {
		return m.encodeError("value", err)
	}
	if err := m.compactIfDue(nil, &vb); err != nil {
		return err
	}
	exp := int64(noExpiry)
	if ttl > 0 {
		exp = expiryAfter(m.writeNow(), ttl)
	}
	if _, err := m.put(e.kb, vb, exp, live); err != nil {
		return err // nothing changed: the key is there as it was
	}
	e.found = true
	return m.waitDurable()
}

// Delete removes the entry's key from the map, if it is there. It may
// first compact the map (see Map.Put); the entry stays good.
func (e *Entry[K, V]) Delete() error {
	if err := e.check(); err != nil || !e.found {
		return err
	}
	if err := e.m.begin(); err != nil {
		return err
	}
	e.epoch = e.m.epoch
	if err := e.m.compactIfDue(nil, nil); err != nil {
		return err
	}
	if _, err := e.m.remove(e.kb, live); err != nil {
		return err
	}
	e.found = false
	return e.m.waitDurable()
}

// OrInsert returns the entry's value if the key is in the map; otherwise it
// stores v and returns it.
func (e *Entry[K, V]) OrInsert(v V) (V, error) {
	return e.OrInsertWith(func() V { return v })
}

// OrInsertWith is OrInsert with the value made by f, which is called only
// if the key is not in the map: a key that has expired since the entry
// found it is not.
func (e *Entry[K, V]) OrInsertWith(f func() V) (V, error) {
	v, found, err := e.current()
	if err != nil || found {
		return v, err
	}
	v = f()
	return v, e.Set(v)
}

// AndModify, if the key is in the map, calls f on a copy of its value and
// stores the result. It returns the entry, so that an OrInsert can follow;
// an error is kept in the entry. A key that has expired since the entry
// found it is not in the map: f is not called, and an OrInsert inserts.
func (e *Entry[K, V]) AndModify(f func(*V)) *Entry[K, V] {
	if e.check() != nil || !e.found {
		return e
	}
	v, found, err := e.current()
	if err != nil {
		e.err = err
		return e
	}
	if !found {
		return e
	}
	f(&v)
	if err := e.Set(v); err != nil {
		e.err = err
	}
	return e
}
