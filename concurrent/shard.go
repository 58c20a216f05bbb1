package concurrent

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/diskmap-go/diskmap"
)

// shard is one diskmap.Map of a Map and the lock that makes it safe for
// many goroutines: any number of readers, or one writer.
type shard[K, V any] struct {
	// mu guards m: held shared by Get, Contains, View, GetMany, Stats,
	// Check and the batches of an iteration; exclusive by Put, Delete,
	// Update, the batches of PutMany, Compact, Sync and Close.
	mu sync.RWMutex

	// count is m.Len() as of the last write, stored before mu is released,
	// so that Len needs no lock.
	count atomic.Int64

	m   *diskmap.Map[K, V]
	id  uint32 // names the shard in callback chains (see reentry.go)
	num int    // the shard's index in its Map

	// iterMu is held, inside mu, while an iteration reads a batch from m:
	// m keeps one error for all its iterations, and the one that reads it
	// must be the one that met it.
	iterMu sync.Mutex

	// gen is bumped, under mu held exclusively, by Compact and Close, which
	// end the iterations of m; iterations compare it between batches.
	gen uint64

	_ [64]byte // keeps the locks of neighbouring shards off one cache line
}

// rlock takes the read lock and reports whether it did. A goroutine inside
// a callback on this shard reads under the lock its callback holds. One
// whose wait would close a cycle of callbacks gets ErrReentrant.
func (s *shard[K, V]) rlock() (bool, error) {
	if s.mu.TryRLock() {
		return true, nil
	}
	if !callbacksRunning() {
		s.mu.RLock()
		return true, nil
	}
	holds := heldShards()
	if slices.Contains(holds, s.id) {
		return false, nil
	}
	if err := s.wait(holds, s.mu.TryRLock, s.mu.RLock); err != nil {
		return false, err
	}
	return true, nil
}

// runlock releases what rlock took.
func (s *shard[K, V]) runlock(locked bool) {
	if locked {
		s.mu.RUnlock()
	}
}

// lock takes the write lock, or returns ErrReentrant to a goroutine inside
// a callback on this shard, or whose wait would close a cycle of callbacks.
func (s *shard[K, V]) lock() error {
	if s.mu.TryLock() {
		return nil
	}
	if !callbacksRunning() {
		s.mu.Lock()
		return nil
	}
	holds := heldShards()
	if slices.Contains(holds, s.id) {
		return fmt.Errorf("write to shard %d from a callback on it: %w", s.num, ErrReentrant)
	}
	return s.wait(holds, s.mu.TryLock, s.mu.Lock)
}

// wait takes the lock with take for a goroutine whose callbacks hold the
// shards named in holds. Its wait is recorded, unless it would close a
// cycle (see startWait); then, unless try gets the lock at once, it returns
// ErrReentrant.
func (s *shard[K, V]) wait(holds []uint32, try func() bool, take func()) error {
	if len(holds) == 0 {
		take()
		return nil
	}
	w := &wait{holds: holds, on: s.id}
	if !startWait(w) {
		if try() {
			return nil
		}
		return fmt.Errorf("shard %d: waiting for it would close a cycle of callbacks: %w", s.num, ErrReentrant)
	}
	take()
	endWait(w)
	return nil
}

// unlock records the shard's size for Len and releases the write lock.
func (s *shard[K, V]) unlock() {
	s.count.Store(int64(s.m.Len()))
	s.mu.Unlock()
}

// callback runs fn as a callback on the shard, whose lock the caller holds:
// counted, and below the chain that names the shard.
func (s *shard[K, V]) callback(fn func()) {
	c := callbackCount(s.id)
	c.Add(1)
	defer c.Add(-1)
	within(s.id, fn)
}
