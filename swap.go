package diskmap

import (
	"bytes"

	"github.com/diskmap-go/diskmap/layout"
)

// The calls of sync.Map that read and write a key in one step: Swap,
// LoadOrStore, LoadAndDelete, CompareAndSwap and CompareAndDelete, with
// sync.Map's meanings. On a Map each is one write, through the same path
// as Put or Delete: a crash leaves it done or not done, and each may first
// compact the map as Put does. Each is a write also when it changes
// nothing (a CompareAndSwap that does not match, say): on a read-only map
// it returns ErrReadOnly, and it makes Entries stale. On a Batch each
// reads the map with the batch's earlier writes in it, and records its
// write in the batch.
//
// Values compare by their encoded bytes, as keys do: two values equal in Go
// but encoded differently (0.0 and -0.0) do not match, and two that encode
// alike (two Msgpack structs of equal fields) do. For a key-bound value
// codec (codec.Sealed), whose two encodings of one value differ, the
// stored value is opened and its inner encoding compared with old's.

// Swap stores v under k and returns the value k held before, a decoded
// copy, and whether k was there (loaded), as sync.Map.Swap does. Like
// each of the calls of sync.Map on a Map, it is one write, done or not
// after a crash, that may first compact the map (see Put), and a write
// even when it changes nothing: ErrReadOnly on a read-only map.
func (m *Map[K, V]) Swap(k K, v V) (previous V, loaded bool, err error) {
	var ks, vs [8]byte
	kb, vb, err := m.beginPair(k, v, &ks, &vs)
	if err != nil {
		return previous, false, err
	}
	if previous, loaded, err = m.load(kb); err != nil {
		return previous, false, err
	}
	if _, err := m.put(kb, vb, noExpiry, live); err != nil {
		var zero V
		return zero, false, err
	}
	return previous, loaded, m.waitDurable()
}

// LoadOrStore returns a decoded copy of the value stored under k, with
// loaded true, if k is in the map; otherwise it stores v under k and
// returns v, with loaded false. It is a write as Swap is.
func (m *Map[K, V]) LoadOrStore(k K, v V) (actual V, loaded bool, err error) {
	var ks, vs [8]byte
	kb, vb, err := m.beginPair(k, v, &ks, &vs)
	if err != nil {
		return actual, false, err
	}
	if actual, loaded, err = m.load(kb); loaded || err != nil {
		return actual, loaded, err
	}
	if _, err := m.put(kb, vb, noExpiry, live); err != nil {
		return actual, false, err
	}
	return v, false, m.waitDurable()
}

// LoadAndDelete removes k and returns a decoded copy of the value it held,
// and whether it was there (loaded). It is a write as Swap is.
func (m *Map[K, V]) LoadAndDelete(k K) (value V, loaded bool, err error) {
	var ks [8]byte
	kb, err := m.beginKey(k, &ks)
	if err != nil {
		return value, false, err
	}
	if err := m.compactIfDue(&kb, nil); err != nil {
		return value, false, err
	}
	if value, loaded, err = m.load(kb); !loaded || err != nil {
		return value, false, err
	}
	if _, err := m.remove(kb, live); err != nil {
		var zero V
		return zero, false, err
	}
	return value, true, m.waitDurable()
}

// CompareAndSwap stores new under k if k holds old, compared by their
// encoded bytes, and reports whether it did. A key that is not in the map
// holds no value: nothing is stored then. old and new may be views of the
// map. It is a write as Swap is.
func (m *Map[K, V]) CompareAndSwap(k K, old, new V) (swapped bool, err error) {
	if err := m.begin(); err != nil {
		return false, err
	}
	var ks, ns [8]byte
	kb, nb, err := m.encodePair(k, new, &ks, &ns)
	if err != nil {
		return false, err
	}
	// Compared before any compaction, which would end a view in old.
	if match, err := m.holds(kb, old); !match || err != nil {
		return false, err
	}
	if err := m.compactIfDue(&kb, &nb); err != nil {
		return false, err
	}
	if _, err := m.put(kb, nb, noExpiry, live); err != nil {
		return false, err
	}
	return true, m.waitDurable()
}

// CompareAndDelete removes k if it holds old, compared by their encoded
// bytes, and reports whether it did. It is a write as Swap is.
func (m *Map[K, V]) CompareAndDelete(k K, old V) (deleted bool, err error) {
	var ks [8]byte
	kb, err := m.beginKey(k, &ks)
	if err != nil {
		return false, err
	}
	if match, err := m.holds(kb, old); !match || err != nil {
		return false, err
	}
	if err := m.compactIfDue(&kb, nil); err != nil {
		return false, err
	}
	if _, err := m.remove(kb, live); err != nil {
		return false, err
	}
	return true, m.waitDurable()
}

// beginPair begins a write of v under k (begin), encodes them, and
// compacts the map first if that is due, as Put does.
func (m *Map[K, V]) beginPair(k K, v V, ks, vs *[8]byte) ([]byte, []byte, error) {
	if err := m.begin(); err != nil {
		return nil, nil, err
	}
	kb, vb, err := m.encodePair(k, v, ks, vs)
	if err != nil {
		return nil, nil, err
	}
	if err := m.compactIfDue(&kb, &vb); err != nil {
		return nil, nil, err
	}
	return kb, vb, nil
}

// beginKey begins a delete of k and encodes it, as Delete does; the
// caller compacts the map first if that is due.
func (m *Map[K, V]) beginKey(k K, ks *[8]byte) ([]byte, error) {
	if err := m.begin(); err != nil {
		return nil, err
	}
	kb, err := m.kc.Encode(k, ks, &m.kbuf)
	if err != nil {
		return nil, m.encodeError("key", err)
	}
	return kb, nil
}

// load returns a decoded copy of the value stored under the encoded key kb.
func (m *Map[K, V]) load(kb []byte) (V, bool, error) {
	var zero V
	b, found, err := m.find(kb, layout.Fingerprint(m.hash(kb)))
	if !found || err != nil {
		return zero, false, err
	}
	v, err := m.decode(kb, b)
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// holds reports whether the encoded key kb is in the map with the value
// whose encoding is old's (for a key-bound value codec, whose value opens
// to old's encoding). It encodes old into a buffer of its own: the
// writer's are taken by the key and the new value.
func (m *Map[K, V]) holds(kb []byte, old V) (bool, error) {
	if m.vc.Bound() {
		b, found, err := m.find(kb, layout.Fingerprint(m.hash(kb)))
		if !found || err != nil {
			return false, err
		}
		return m.opensTo(kb, b, old)
	}
	var scratch [8]byte
	var buf []byte
	ob, err := m.vc.Encode(old, &scratch, &buf)
	if err != nil {
		return false, m.encodeError("value", err)
	}
	b, found, err := m.find(kb, layout.Fingerprint(m.hash(kb)))
	return found && bytes.Equal(b, ob), err
}

// opensTo reports whether b, a value of a key-bound codec stored under kb,
// holds old (codec.KeyBound's EqualFor).
func (m *Map[K, V]) opensTo(kb, b []byte, old V) (bool, error) {
	eq, err := m.vc.EqualFor(kb, b, old)
	if err != nil {
		return false, m.decodeError(kb, b, err)
	}
	return eq, nil
}

// Swap records that v is to be stored under k, and returns the value k
// holds before it in the batch (in the map, or put earlier in this batch),
// a decoded copy, and whether k was there (loaded).
func (b *Batch[K, V]) Swap(k K, v V) (previous V, loaded bool, err error) {
	var ks, vs [8]byte
	kb, vb, err := b.m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return previous, false, err
	}
	if previous, loaded, err = b.load(kb); err != nil {
		return previous, false, err
	}
	if err := b.putEncoded(kb, vb, noExpiry); err != nil {
		var zero V
		return zero, false, err
	}
	return previous, loaded, nil
}

// LoadOrStore returns a decoded copy of the value k holds at this point of
// the batch, with loaded true, if it holds one; otherwise it records that
// v is to be stored under k and returns v, with loaded false.
func (b *Batch[K, V]) LoadOrStore(k K, v V) (actual V, loaded bool, err error) {
	var ks, vs [8]byte
	kb, vb, err := b.m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return actual, false, err
	}
	if actual, loaded, err = b.load(kb); loaded || err != nil {
		return actual, loaded, err
	}
	if err := b.putEncoded(kb, vb, noExpiry); err != nil {
		return actual, false, err
	}
	return v, false, nil
}

// LoadAndDelete records that k is to be removed, and returns a decoded copy
// of the value it holds at this point of the batch, and whether it holds
// one (loaded).
func (b *Batch[K, V]) LoadAndDelete(k K) (value V, loaded bool, err error) {
	var scratch [8]byte
	kb, err := b.m.kc.Encode(k, &scratch, &b.m.kbuf)
	if err != nil {
		return value, false, b.m.encodeError("key", err)
	}
	if value, loaded, err = b.load(kb); !loaded || err != nil {
		return value, false, err
	}
	b.delete(kb)
	return value, true, nil
}

// CompareAndSwap records that new is to be stored under k if k holds old
// at this point of the batch, compared by their encoded bytes, and reports
// whether it did.
func (b *Batch[K, V]) CompareAndSwap(k K, old, new V) (swapped bool, err error) {
	var ks, ns [8]byte
	kb, nb, err := b.m.encodePair(k, new, &ks, &ns)
	if err != nil {
		return false, err
	}
	if match, err := b.holds(kb, old); !match || err != nil {
		return false, err
	}
	return true, b.putEncoded(kb, nb, noExpiry)
}

// CompareAndDelete records that k is to be removed if it holds old at this
// point of the batch, compared by their encoded bytes, and reports whether
// it did.
func (b *Batch[K, V]) CompareAndDelete(k K, old V) (deleted bool, err error) {
	var scratch [8]byte
	kb, err := b.m.kc.Encode(k, &scratch, &b.m.kbuf)
	if err != nil {
		return false, b.m.encodeError("key", err)
	}
	if match, err := b.holds(kb, old); !match || err != nil {
		return false, err
	}
	b.delete(kb)
	return true, nil
}

// current returns the encoded value the encoded key kb holds at this
// point of the batch: put earlier in it, or else in the map.
func (b *Batch[K, V]) current(kb []byte) ([]byte, bool, error) {
	if err := b.allow(kb); err != nil {
		return nil, false, err
	}
	if p, touched := b.present[string(kb)]; touched {
		return b.ops[p.at : p.at+p.n : p.at+p.n], p.stays, nil
	}
	if err := b.m.usable(); err != nil { // fn may have closed the map
		return nil, false, err
	}
	return b.m.find(kb, layout.Fingerprint(b.m.hash(kb)))
}

// load returns a decoded copy of current's value.
func (b *Batch[K, V]) load(kb []byte) (V, bool, error) {
	var zero V
	vb, found, err := b.current(kb)
	if !found || err != nil {
		return zero, false, err
	}
	v, err := b.m.decode(kb, vb)
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// holds reports whether current's value is old's encoding, or opens to
// it for a key-bound value codec.
func (b *Batch[K, V]) holds(kb []byte, old V) (bool, error) {
	if b.m.vc.Bound() {
		vb, found, err := b.current(kb)
		if !found || err != nil {
			return false, err
		}
		return b.m.opensTo(kb, vb, old)
	}
	var scratch [8]byte
	var buf []byte
	ob, err := b.m.vc.Encode(old, &scratch, &buf)
	if err != nil {
		return false, b.m.encodeError("value", err)
	}
	vb, found, err := b.current(kb)
	return found && bytes.Equal(vb, ob), err
}
