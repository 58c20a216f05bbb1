package diskmap

import (
	"fmt"

	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Batch collects puts and deletes that Map.Batch applies together. Its
// methods only record; the map changes when the function given to Batch
// returns nil. Reads of the map inside that function do not see the
// batch's own writes.
type Batch[K, V any] struct {
	m       *Map[K, V]
	ops     []byte          // the operations, in the log's format
	present map[string]bool // keys the batch touched, and whether they stay
	puts    int             // puts, each of which may take a slot
	kbytes  int64           // room the puts may take in the keys arena
	vbytes  int64           // and in the values arena
}

// Put records that v is to be stored under k.
func (b *Batch[K, V]) Put(k K, v V) error {
	var ks, vs [8]byte
	kb, vb, err := b.m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return err
	}
	if len(kb) > layout.MaxKeyLen || len(vb) > layout.MaxValueLen {
		return fmt.Errorf("diskmap: key of %d bytes or value of %d bytes: %w", len(kb), len(vb), ErrTooLarge)
	}
	b.ops = wal.AppendPut(b.ops, kb, vb)
	b.present[string(kb)] = true
	b.puts++
	b.kbytes += layout.RecordSize(len(kb))
	b.vbytes += layout.RecordSize(len(vb))
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
	was, touched := b.present[string(kb)]
	if !touched {
		if err := b.m.usable(); err != nil { // fn may have closed the map
			return false, err
		}
		_, was, err = b.m.probe(kb, layout.Fingerprint(b.m.hash(kb)))
		if err != nil {
			return false, err
		}
	}
	b.ops = wal.AppendDelete(b.ops, kb)
	b.present[string(kb)] = false
	return was, nil
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
func (m *Map[K, V]) Batch(fn func(b *Batch[K, V]) error) error {
	if err := m.begin(); err != nil {
		return err
	}
	b := &Batch[K, V]{m: m, present: map[string]bool{}}
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
	if err := m.applyBatch(b.ops, b.puts, b.kbytes, b.vbytes); err != nil {
		return err
	}
	return m.waitDurable()
}

// applyBatch makes room for a batch in the table, the arenas and the log,
// logs it as one frame, applies it, and in DurabilityOS strikes it from the
// log again.
func (c *core) applyBatch(ops []byte, puts int, kbytes, vbytes int64) error {
	if c.full(puts) {
		if err := c.grow(puts); err != nil {
			return err
		}
	}
	if err := c.reserve(kbytes, vbytes); err != nil {
		return err
	}
	if c.log == nil {
		l, err := wal.Open(c.path(walFile), c.hdr.Generation, c.hdr.Checkpoint)
		if err != nil {
			return err
		}
		c.log = l
	}
	if _, err := c.log.Append(ops); err != nil {
		return err
	}
	err := wal.Ops(ops, func(op byte, kb, vb []byte) error {
		fp := layout.Fingerprint(c.hash(kb))
		i, found, err := c.probe(kb, fp)
		switch {
		case err != nil:
			return err
		case op == wal.OpPut:
			c.apply(i, found, kb, fp, vb)
		case found:
			c.unset(i, len(kb))
		}
		return c.fail("batch-op")
	})
	if err != nil {
		// Half applied: keep the files as they are for recovery to
		// finish the batch from the log, and refuse further use.
		c.failed = fmt.Errorf("diskmap: %s: batch cut short, reopen the map: %w", c.dir, err)
		return c.failed
	}
	if !c.logged() {
		c.log.Discard()
		c.struck = true
	}
	return nil
}
