package concurrent

import (
	"fmt"
	"iter"

	"github.com/diskmap-go/diskmap"
)

// iterBatch is how many items an iteration reads from a shard under one
// hold of its read lock.
const iterBatch = 256

// All returns an iterator over the keys and values, shard by shard, each
// shard in its insertion order. Keys and values are decoded copies. The
// loop body runs with no lock held and may call any method of the map;
// the package documentation says what the iteration sees of writes made
// meanwhile. See Err for errors.
func (m *Map[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		iterate(m, (*diskmap.Map[K, V]).All, yield)
	}
}

// Keys returns an iterator over the keys, as All visits them.
func (m *Map[K, V]) Keys() iter.Seq[K] {
	return func(yield func(K) bool) {
		keys := func(d *diskmap.Map[K, V]) iter.Seq2[K, struct{}] { return pairs(d.Keys()) }
		iterate(m, keys, func(k K, _ struct{}) bool { return yield(k) })
	}
}

// Values returns an iterator over the values, as All visits them.
func (m *Map[K, V]) Values() iter.Seq[V] {
	return func(yield func(V) bool) {
		values := func(d *diskmap.Map[K, V]) iter.Seq2[V, struct{}] { return pairs(d.Values()) }
		iterate(m, values, func(v V, _ struct{}) bool { return yield(v) })
	}
}

// Err returns the first error that ended an iteration (All, Keys, Values)
// since the last call of Err, and forgets it. An iteration that ends early
// because the loop broke out of it is not an error.
//
//	for k, v := range m.All() { ... }
//	if err := m.Err(); err != nil { ... }
//
// Err belongs to the map, not to one iteration: when several goroutines
// iterate at once, the error one of them met may be read by another.
func (m *Map[K, V]) Err() error {
	m.iterMu.Lock()
	defer m.iterMu.Unlock()
	err := m.iterErr
	m.iterErr = nil
	return err
}

func (m *Map[K, V]) keepErr(err error) {
	m.iterMu.Lock()
	defer m.iterMu.Unlock()
	if m.iterErr == nil {
		m.iterErr = err
	}
}

// pair is an item of a batch.
type pair[A, B any] struct {
	a A
	b B
}

// pairs turns a Seq into a Seq2 whose second items are empty.
func pairs[A any](seq iter.Seq[A]) iter.Seq2[A, struct{}] {
	return func(yield func(A, struct{}) bool) {
		for a := range seq {
			if !yield(a, struct{}{}) {
				return
			}
		}
	}
}

// iterate runs yield over the items that seq gives of each shard's map,
// shard after shard, and keeps the error that ends it for Err.
func iterate[K, V, A, B any](m *Map[K, V], seq func(*diskmap.Map[K, V]) iter.Seq2[A, B], yield func(A, B) bool) {
	if m.closed.Load() {
		m.keepErr(diskmap.ErrClosed)
		return
	}
	buf := make([]pair[A, B], 0, iterBatch)
	for i := range m.shards {
		c := cursor[K, V, A, B]{s: &m.shards[i], seq: seq}
		more, err := c.visit(buf, yield)
		if err != nil {
			m.keepErr(err)
		}
		if !more || err != nil {
			return
		}
	}
}

// cursor is an iteration's place in one shard: the shard map's own
// iterator, pulled a batch at a time.
type cursor[K, V, A, B any] struct {
	s    *shard[K, V]
	seq  func(*diskmap.Map[K, V]) iter.Seq2[A, B]
	next func() (A, B, bool)
	stop func()
	gen  uint64 // s.gen when the iteration of the shard began
}

// visit yields the shard's items. It returns false if yield asked to stop
// or an error ended the iteration.
func (c *cursor[K, V, A, B]) visit(buf []pair[A, B], yield func(A, B) bool) (bool, error) {
	defer c.close()
	for {
		batch, end, err := c.read(buf[:0])
		if err != nil {
			return false, err
		}
		for _, p := range batch {
			if !yield(p.a, p.b) {
				return false, nil
			}
		}
		if end {
			return true, nil
		}
	}
}

// read appends to buf up to cap(buf) items of the shard, read under its
// read lock, and reports whether they are the last.
func (c *cursor[K, V, A, B]) read(buf []pair[A, B]) ([]pair[A, B], bool, error) {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.iterMu.Lock()
	defer s.iterMu.Unlock()
	switch {
	case c.next == nil:
		c.gen = s.gen
		c.next, c.stop = iter.Pull2(c.seq(s.m))
	case s.gen != c.gen:
		return nil, false, fmt.Errorf("shard %d compacted or closed during the iteration: %w", s.num, diskmap.ErrStale)
	}
	for len(buf) < cap(buf) {
		a, b, ok := c.next()
		if !ok {
			// The shard map's iteration is over: an error that ended it
			// was kept by the map, under iterMu, for us.
			return buf, true, s.m.Err()
		}
		buf = append(buf, pair[A, B]{a, b})
	}
	return buf, false, nil
}

// close ends the shard map's iteration, if it began, under the locks that
// guard the map.
func (c *cursor[K, V, A, B]) close() {
	if c.stop == nil {
		return
	}
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.iterMu.Lock()
	defer s.iterMu.Unlock()
	c.stop()
}
