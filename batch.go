package diskmap

import (
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
}

// pending is what a batch leaves under a key it touched: whether the key
// stays, and then its value, ops[at : at+n].
type pending struct {
	stays bool
	at, n int
}

// Put records that v is to be stored under k.
func (b *Batch[K, V]) Put(k K, v V) error {
	var ks, vs [8]byte
	kb, vb, err := b.m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return err
	}
	return b.put(kb, vb)
}

// put records a put of the encoded key kb and value vb.
func (b *Batch[K, V]) put(kb, vb []byte) error {
	if err := b.m.checkSize(kb, vb); err != nil {
		return err
	}
	b.ops = wal.AppendPut(b.ops, kb, vb)
	b.present[string(kb)] = pending{stays: true, at: len(b.ops) - len(vb), n: len(vb)}
	b.room.puts++
	b.room.kbytes += layout.RecordSize(len(kb))
	b.room.vbytes += valueRecordSize(len(vb))
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
	p, touched := b.present[string(kb)]
	was := p.stays
	if !touched {
		if err := b.m.usable(); err != nil { // fn may have closed the map
			return false, err
		}
		if was, err = b.m.contains(kb); err != nil {
			return false, err
		}
	}
	b.delete(kb)
	return was, nil
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
	return m.waitDurable()
}
