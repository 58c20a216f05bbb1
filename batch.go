package diskmap

import (
	"time"

	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Batch collects puts and deletes that Map.Batch applies together. Its
// methods only record; the map changes when the function given to Batch
// returns nil. Reads of the map inside that function do not see the
// batch's own writes; Delete's answer and those of the batch's calls of
// sync.Map (Swap, LoadOrStore, LoadAndDelete, CompareAndSwap and
// CompareAndDelete) do.
type Batch[K, V any] struct {
	m       *Map[K, V]
	ops     []byte             // the operations, in the log's format
	present map[string]pending // keys the batch touched, and what they hold after it
	room    room               // the most its puts may take
	expired int                // expired keys of the map it deletes
	checked []byte             // the copy of a key that allow checks
}

// pending is what a batch leaves under a key it touched: whether the key
// stays, and then its value, ops[at : at+n].
type pending struct {
	stays bool
	at, n int
}

// Put records that v is to be stored under k, which then never expires.
func (b *Batch[K, V]) Put(k K, v V) error {
	return b.put(k, v, noExpiry)
}

// PutTTL records that v is to be stored under k, to expire ttl after the
// time Map.Batch was called, as Map.PutTTL does: a batch has one time.
func (b *Batch[K, V]) PutTTL(k K, v V, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	return b.put(k, v, expiryAfter(b.m.writeNow(), ttl))
}

// put records a put to expire at exp. A key stored in the map that has
// expired by the batch's time, and that the batch has not touched yet, is
// deleted first, in the batch: the put inserts it anew, as Map.Put would.
// The log replays the batch as it was recorded, whatever the time then.
func (b *Batch[K, V]) put(k K, v V, exp int64) error {
	var ks, vs [8]byte
	kb, vb, err := b.m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return err
	}
	return b.putEncoded(kb, vb, exp)
}

// putEncoded records a put of the encoded key kb and value vb, to expire
// at exp.
func (b *Batch[K, V]) putEncoded(kb, vb []byte, exp int64) error {
	if err := b.allow(kb); err != nil {
		return err
	}
	if err := b.m.checkSize(kb, vb); err != nil {
		return err
	}
	if _, touched := b.present[string(kb)]; !touched && b.m.sweep.expiring() {
		if err := b.m.usable(); err != nil { // fn may have closed the map
			return err
		}
		if b.m.storedExpired(kb) {
			b.ops = wal.AppendDelete(b.ops, kb)
			b.expired++
		}
	}
	b.ops = appendOp(b.ops, putOp(kb, vb, exp))
	b.present[string(kb)] = pending{stays: true, at: len(b.ops) - len(vb), n: len(vb)}
	b.room.puts++
	b.room.kbytes += layout.RecordSize(len(kb))
	b.room.vbytes += valueSize(len(vb), exp)
	return nil
}

// Delete records that k is to be removed, and reports whether k is there
// to remove: in the map, or put earlier in this batch.
func (b *Batch[K, V]) Delete(k K) (bool, error) {
	var scratch [8]byte
	kb, err := b.m.kc.Encode(k, &scratch, &b.m.kbuf)
	if err != nil {
		return false, b.m.encodeError("key", err)
	}
	if err := b.allow(kb); err != nil {
		return false, err
	}
	p, touched := b.present[string(kb)]
	was := p.stays
	if !touched {
		if err := b.m.usable(); err != nil { // fn may have closed the map
			return false, err
		}
		if was, err = b.m.contains(kb); err != nil {
			return false, err
		}
		if !was && b.m.sweep.expiring() && b.m.storedExpired(kb) {
			b.expired++
		}
	}
	b.delete(kb)
	return was, nil
}

// allow returns the error of the map's check of the keys of its batches
// for the encoded key kb (see Options.batchKeys), nil if it has none. The
// check gets a copy of kb: handed kb itself, it would make the encoding of
// every key of every batch escape to the heap, with a check or not.
func (b *Batch[K, V]) allow(kb []byte) error {
	if b.m.opts.batchKeys == nil {
		return nil
	}
	b.checked = append(b.checked[:0], kb...)
	return b.m.opts.batchKeys(b.checked)
}

// delete records a delete of the encoded key kb.
func (b *Batch[K, V]) delete(kb []byte) {
	b.ops = wal.AppendDelete(b.ops, kb)
	b.present[string(kb)] = pending{}
}

// Batch calls fn to fill a batch, then applies its puts and deletes
// together. If fn returns an error, none of them is applied and Batch
// returns the error; if fn closes the map, none is applied and Batch
// returns ErrClosed.
//
// After a crash, a batch is all or nothing: it is one frame of the
// write-ahead log. In the WAL modes that holds after a power loss too (once
// synced). In DurabilityOS the log is used for batches alone: each batch is
// logged, applied, then struck from the log, so a crash of the process in
// the middle of one is finished on the next Open; after a power loss
// DurabilityOS promises nothing written since the last Sync.
//
// Batch may first compact the map, before it calls fn (see Put).
func (m *Map[K, V]) Batch(fn func(b *Batch[K, V]) error) error {
	if err := m.begin(); err != nil {
		return err
	}
	if err := m.compactIfDue(nil, nil); err != nil {
		return err
	}
	b := &Batch[K, V]{m: m, present: map[string]pending{}}
	if err := fn(b); err != nil {
		return err
	}
	if err := m.usable(); err != nil { // fn may have closed the map
		return err
	}
	if len(b.ops) == 0 {
		return nil
	}
	m.epoch++
	if err := m.applyFrame(b.ops, b.room, live); err != nil {
		return err
	}
	m.expired += uint64(b.expired)
	return m.waitDurable()
}
