package concurrent

import (
	"fmt"

	"github.com/diskmap-go/diskmap"
)

// BatchOn calls fn to fill a batch of the shard of key, then applies its
// puts and deletes together, as diskmap.Map.Batch does, all under that
// shard's write lock: atomic for readers, and all or nothing after a crash
// (in the WAL modes after a power loss too, once synced; with
// DurabilityWALSync it is synced when BatchOn returns). key only picks the
// shard: the batch need not touch it.
//
// Every key the batch touches must be in that shard. A call of the batch
// (Put, Delete, Swap, ...) with a key of another shard records and reads
// nothing and returns ErrCrossShard, and then BatchOn applies none of the
// batch and returns ErrCrossShard, even if fn returns nil. Keys with the
// same shard key share a shard (see Options.ShardKey); without one,
// which keys share a shard is up to the shard hash.
//
// If fn returns an error, none of the batch is applied and BatchOn returns
// it. fn is a callback (see the package documentation): it must not call
// the map, only the batch. The batch is valid only inside fn.
//
// A batch cannot be given before fn runs without its shard: a
// diskmap.Batch belongs to one shard's map, and the shard of a batch whose
// keys fn picks is known only once fn has run. Hence key.
func (m *Map[K, V]) BatchOn(key K, fn func(b *diskmap.Batch[K, V]) error) error {
	s, err := m.shardOf(key)
	if err != nil {
		return err
	}
	s.mu.Lock()
	seq, err := func() (uint64, error) {
		defer s.unlock() // also if fn panics
		s.crossed = false
		err := s.m.Batch(func(b *diskmap.Batch[K, V]) error {
			if err := fn(b); err != nil {
				return err
			}
			if s.crossed {
				return fmt.Errorf("batch on shard %d of %s: %w", s.num, m.dir, ErrCrossShard)
			}
			return nil
		})
		return s.m.LastSeq(), err
	}()
	return m.durable(s, seq, err)
}

// batchCheck returns the check of the keys of the batches of shard s, the
// i-th: a key of another shard is refused, and s.crossed set, for BatchOn
// to refuse the batch. It runs inside BatchOn, under s.mu.
func (m *Map[K, V]) batchCheck(s *shard[K, V], i int) func(kb []byte) error {
	return func(kb []byte) error {
		if j := m.shardOfBytes(kb); j != i {
			s.crossed = true
			return fmt.Errorf("a key of shard %d in a batch on shard %d of %s: %w", j, i, m.dir, ErrCrossShard)
		}
		return nil
	}
}
