package concurrent

import (
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// ShardOf returns the index of k's shard in m.
func ShardOf[K, V any](m *Map[K, V], k K) int {
	i, err := m.shardIndex(k)
	if err != nil {
		panic(err)
	}
	return i
}

// WriterWaiting reports whether a writer holds or waits for the lock of
// shard i while the caller holds it shared: whether a new reader would
// have to wait.
func WriterWaiting[K, V any](m *Map[K, V], i int) bool {
	s := &m.shards[i]
	if s.mu.TryRLock() {
		s.mu.RUnlock()
		return false
	}
	return true
}

// WithFiles returns a copy of o (the defaults if o is nil) whose map makes
// the file operations of its own files and of its shards through fs.
func WithFiles(o *Options, fs mmap.FS) *Options {
	var c Options
	if o != nil {
		c = *o
	}
	c.files = fs
	return &c
}

// OnCapture makes Backup of m call fn with each shard's number while it
// holds that shard's write lock, once the shard is copied.
func OnCapture[K, V any](m *Map[K, V], fn func(shard int)) { m.captured = fn }

// ShardFree reports whether no one holds or waits for the lock of shard i.
func ShardFree[K, V any](m *Map[K, V], i int) bool {
	s := &m.shards[i]
	if s.mu.TryLock() {
		s.mu.Unlock()
		return true
	}
	return false
}
