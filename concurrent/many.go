package concurrent

import (
	"iter"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/diskmap-go/diskmap"
)

// GetMany returns the values stored under keys, and whether each was
// found, in the order of keys. It groups the keys by shard and reads each
// shard's with diskmap's GetMany, whose lookups overlap their memory reads,
// under one hold of the shard's read lock, shard after shard: the values of
// one shard are read at one moment, those of different shards at
// different moments. On error it returns no values.
func (m *Map[K, V]) GetMany(keys []K) ([]V, []bool, error) {
	order, starts, err := m.groupByShard(keys)
	if err != nil {
		return nil, nil, err
	}
	vals := make([]V, len(keys))
	found := make([]bool, len(keys))
	for i := range m.shards {
		if starts[i] == starts[i+1] {
			continue
		}
		if err := m.shards[i].getAll(keys, order[starts[i]:starts[i+1]], vals, found); err != nil {
			return nil, nil, err
		}
	}
	return vals, found, nil
}

// ViewMany looks up every key of keys and calls fn with the key's index
// in keys and its value as View gives it (nil and false when the key is
// absent). It groups the keys by shard, as GetMany does, and looks each
// shard's up with diskmap's ViewMany under one hold of the shard's read
// lock: fn is called shard after shard, in shard order, and within a shard
// in the order of keys, not in the order of keys overall. The values of one
// shard are read at one moment, those of different shards at different
// moments.
//
// v is valid until fn returns. fn runs under the shard's read lock and, as
// any callback, must not call the map (see the package documentation,
// Callbacks). An error from fn stops ViewMany, which returns it; so does
// the first error of a lookup, after fn was called for the keys before it.
func (m *Map[K, V]) ViewMany(keys []K, fn func(i int, v []byte, found bool) error) error {
	order, starts, err := m.groupByShard(keys)
	if err != nil {
		return err
	}
	for i := range m.shards {
		if starts[i] == starts[i+1] {
			continue
		}
		if err := m.shards[i].viewAll(keys, order[starts[i]:starts[i+1]], fn); err != nil {
			return err
		}
	}
	return nil
}

// groupByShard returns the indexes of keys sorted by shard, and where each
// shard's run of them starts: shard i's are order[starts[i]:starts[i+1]].
func (m *Map[K, V]) groupByShard(keys []K) (order []int, starts []int, err error) {
	shardOf := make([]int, len(keys))
	starts = make([]int, len(m.shards)+1)
	for i, k := range keys {
		if shardOf[i], err = m.shardIndex(k); err != nil {
			return nil, nil, err
		}
		starts[shardOf[i]+1]++
	}
	for i := range m.shards {
		starts[i+1] += starts[i]
	}
	order = make([]int, len(keys))
	next := append([]int(nil), starts[:len(m.shards)]...)
	for i, s := range shardOf {
		order[next[s]] = i
		next[s]++
	}
	return order, starts, nil
}

// getAll reads the keys of the shard at the given indexes of keys into vals
// and found, under one hold of the read lock.
func (s *shard[K, V]) getAll(keys []K, idx []int, vals []V, found []bool) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub := make([]K, len(idx))
	for j, i := range idx {
		sub[j] = keys[i]
	}
	vs, fs, err := s.m.GetMany(sub)
	if err != nil {
		return err
	}
	for j, i := range idx {
		vals[i], found[i] = vs[j], fs[j]
	}
	return nil
}

// viewAll calls fn, as ViewMany does, for the keys of the shard at the
// given indexes of keys, under one hold of the read lock.
func (s *shard[K, V]) viewAll(keys []K, idx []int, fn func(i int, v []byte, found bool) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub := make([]K, len(idx))
	for j, i := range idx {
		sub[j] = keys[i]
	}
	return s.m.ViewMany(sub, func(j int, v []byte, found bool) error { return fn(idx[j], v, found) })
}

// PutMany stores every item of items, as Put would one after another: of
// two items with the same key, the later wins. It is the way to load many
// items: it groups them by shard, and writes the shards in parallel, on up
// to GOMAXPROCS goroutines, each taking a shard's write lock once per
// batch of items. items is consumed on the calling goroutine.
//
// PutMany is not atomic, and keeps the order of items only within each
// shard. It stops at the first error, which it returns; then items before
// the one that failed may be missing, and items after it, bound for other
// shards, stored. Readers may see items before PutMany returns.
func (m *Map[K, V]) PutMany(items iter.Seq2[K, V]) error {
	if m.closed.Load() {
		return diskmap.ErrClosed
	}
	l := newLoader(m)
	// The writers stop even if ranging over items panics; the panic is
	// what the caller sees then.
	defer func() { _ = l.finish() }()
	for k, v := range items {
		i, err := m.shardIndex(k)
		if err != nil {
			l.fail(err)
		}
		if l.failed.Load() {
			break
		}
		l.add(i, k, v)
	}
	return l.finish()
}

// loadBatch is how many items a loader hands to a writer at once, written
// under one hold of the shard's write lock.
const loadBatch = 512

// batch is a run of items bound for one shard.
type batch[K, V any] struct {
	shard int
	items []pair[K, V]
}

// loader is a PutMany in progress: batches of items are filled per shard
// and sent to writer goroutines, each owning a fixed set of shards, so that
// the items of one shard are written in the order they came.
type loader[K, V any] struct {
	m       *Map[K, V]
	pending [][]pair[K, V]     // per shard, the batch being filled
	work    []chan batch[K, V] // per writer
	spare   chan []pair[K, V]  // written batches, for reuse
	wg      sync.WaitGroup
	done    bool

	failed atomic.Bool
	errMu  sync.Mutex
	err    error // the first error, guarded by errMu
}

func newLoader[K, V any](m *Map[K, V]) *loader[K, V] {
	writers := min(len(m.shards), runtime.GOMAXPROCS(0))
	l := &loader[K, V]{
		m:       m,
		pending: make([][]pair[K, V], len(m.shards)),
		work:    make([]chan batch[K, V], writers),
		spare:   make(chan []pair[K, V], 4*writers),
	}
	for w := range l.work {
		l.work[w] = make(chan batch[K, V], 4)
		l.wg.Add(1)
		go l.write(l.work[w])
	}
	return l
}

// add queues one item for shard i.
func (l *loader[K, V]) add(i int, k K, v V) {
	if l.pending[i] == nil {
		select {
		case b := <-l.spare:
			l.pending[i] = b
		default:
			l.pending[i] = make([]pair[K, V], 0, loadBatch)
		}
	}
	l.pending[i] = append(l.pending[i], pair[K, V]{k, v})
	if len(l.pending[i]) == loadBatch {
		l.send(i)
	}
}

// send hands shard i's pending batch to its writer.
func (l *loader[K, V]) send(i int) {
	l.work[i%len(l.work)] <- batch[K, V]{shard: i, items: l.pending[i]}
	l.pending[i] = nil
}

// write is a writer goroutine: it stores the batches it receives, until
// its channel closes, unless the load has failed.
func (l *loader[K, V]) write(work <-chan batch[K, V]) {
	defer l.wg.Done()
	for b := range work {
		if !l.failed.Load() {
			s := &l.m.shards[b.shard]
			seq, err := s.putAll(b.items)
			if err := l.m.durable(s, seq, err); err != nil {
				l.fail(err)
			}
		}
		clear(b.items)
		select {
		case l.spare <- b.items[:0]:
		default:
		}
	}
}

// putAll stores items under one hold of the shard's write lock, and
// returns the sequence number of the last logged write.
func (s *shard[K, V]) putAll(items []pair[K, V]) (uint64, error) {
	s.mu.Lock()
	defer s.unlock()
	for _, p := range items {
		if err := s.m.Put(p.a, p.b); err != nil {
			return s.m.LastSeq(), err
		}
	}
	return s.m.LastSeq(), nil
}

func (l *loader[K, V]) fail(err error) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err == nil {
		l.err = err
	}
	l.failed.Store(true)
}

// finish sends the partly filled batches, waits for the writers and
// returns the first error. It may be called again.
func (l *loader[K, V]) finish() error {
	if !l.done {
		l.done = true
		for i, p := range l.pending {
			if len(p) > 0 && !l.failed.Load() {
				l.send(i)
			}
		}
		for _, w := range l.work {
			close(w)
		}
		l.wg.Wait()
	}
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}
