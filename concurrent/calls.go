package concurrent

import (
	"github.com/diskmap-go/diskmap"
)

// The calls of sync.Map, Clear and DeleteFunc, with diskmap.Map's
// meanings (see diskmap.Map.Swap). Each of the calls of sync.Map is one
// write to its key's shard under that shard's write lock, atomic for its
// key and, with DurabilityWALSync, durable when it returns; values compare
// by their encoded bytes.

// Swap stores v under k and returns the value k held before and whether k
// was there (loaded), as sync.Map.Swap does.
func (m *Map[K, V]) Swap(k K, v V) (previous V, loaded bool, err error) {
	r, err := onShard(m, k, func(d *diskmap.Map[K, V]) (found[V], error) {
		p, l, err := d.Swap(k, v)
		return found[V]{p, l}, err
	})
	return r.v, r.ok, err
}

// LoadOrStore returns the value stored under k and true if there is one;
// otherwise it stores v and returns v and false, as sync.Map.LoadOrStore
// does.
func (m *Map[K, V]) LoadOrStore(k K, v V) (actual V, loaded bool, err error) {
	r, err := onShard(m, k, func(d *diskmap.Map[K, V]) (found[V], error) {
		a, l, err := d.LoadOrStore(k, v)
		return found[V]{a, l}, err
	})
	return r.v, r.ok, err
}

// LoadAndDelete removes k and returns the value it held and whether it was
// there, as sync.Map.LoadAndDelete does.
func (m *Map[K, V]) LoadAndDelete(k K) (value V, loaded bool, err error) {
	r, err := onShard(m, k, func(d *diskmap.Map[K, V]) (found[V], error) {
		v, l, err := d.LoadAndDelete(k)
		return found[V]{v, l}, err
	})
	return r.v, r.ok, err
}

// CompareAndSwap stores new under k if k holds a value encoded as old is,
// and reports whether it did, as sync.Map.CompareAndSwap does.
func (m *Map[K, V]) CompareAndSwap(k K, old, new V) (swapped bool, err error) {
	return onShard(m, k, func(d *diskmap.Map[K, V]) (bool, error) { return d.CompareAndSwap(k, old, new) })
}

// CompareAndDelete removes k if it holds a value encoded as old is, and
// reports whether it did, as sync.Map.CompareAndDelete does.
func (m *Map[K, V]) CompareAndDelete(k K, old V) (deleted bool, err error) {
	return onShard(m, k, func(d *diskmap.Map[K, V]) (bool, error) { return d.CompareAndDelete(k, old) })
}

// Clear removes every key, shard after shard, each under its own write
// lock and as diskmap.Map.Clear does: all or nothing for that shard after a
// crash, and durable when it returns. Across shards it is not atomic:
// readers of a shard not yet cleared see its keys, and after a crash the
// shards cleared before it are empty and the others are not. It stops at
// the first shard that fails. It ends the iterations in progress, as
// Compact does.
func (m *Map[K, V]) Clear() error {
	if m.closed.Load() {
		return diskmap.ErrClosed
	}
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		s.gen++
		err := s.m.Clear()
		s.unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// DeleteFunc removes every key for which del returns true, shard after
// shard, each shard's keys as one batch under its write lock (see
// diskmap.Map.DeleteFunc), and returns how many it removed. del runs
// under that lock and, as any callback, must not call the map. It stops at
// the first shard that fails, with the count removed before it.
func (m *Map[K, V]) DeleteFunc(del func(K, V) bool) (int, error) {
	if m.closed.Load() {
		return 0, diskmap.ErrClosed
	}
	removed := 0
	for i := range m.shards {
		s := &m.shards[i]
		n, err := func() (int, error) {
			s.mu.Lock()
			defer s.unlock() // also if del panics
			return s.m.DeleteFunc(del)
		}()
		removed += n
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// found is a value and whether it was found, as the calls of sync.Map
// return them.
type found[V any] struct {
	v  V
	ok bool
}

// onShard runs the write op on the map of k's shard, under the shard's
// write lock, and then, as Put does, waits for the log to be synced with
// DurabilityWALSync.
func onShard[K, V, R any](m *Map[K, V], k K, op func(d *diskmap.Map[K, V]) (R, error)) (R, error) {
	var r R
	s, err := m.shardOf(k)
	if err != nil {
		return r, err
	}
	s.mu.Lock()
	r, err = op(s.m)
	seq := s.m.LastSeq()
	s.unlock()
	if err := m.durable(s, seq, err); err != nil {
		return r, err
	}
	return r, nil
}
