package concurrent

import (
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
	num int // the shard's index in its Map

	// iterMu is held, inside mu, while an iteration reads a batch from m:
	// m keeps one error for all its iterations, and the one that reads it
	// must be the one that met it.
	iterMu sync.Mutex

	// gen is bumped, under mu held exclusively, by Compact and Close, which
	// end the iterations of m; iterations compare it between batches.
	gen uint64

	// crossed is set, under mu held exclusively, when a call of a batch of
	// BatchOn meets a key of another shard; BatchOn then refuses the batch.
	crossed bool

	_ [64]byte // keeps the locks of neighbouring shards off one cache line
}

// unlock records the shard's size for Len and releases the write lock.
func (s *shard[K, V]) unlock() {
	s.count.Store(int64(s.m.Len()))
	s.mu.Unlock()
}
