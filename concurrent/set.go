package concurrent

import (
	"iter"

	"github.com/diskmap-go/diskmap/codec"
)

// Set is a persistent set of K for many goroutines, kept in a directory: a
// Map[K, struct{}] with the value codec codec.Empty, whose values take no
// record, as diskmap.Set is a diskmap.Map. The directory is a Map's, and
// Open[K, struct{}] opens it as one.
//
// A Set IS safe for concurrent use, as a Map is: every method may be
// called from any goroutine at any time, and each holds the lock of one
// shard at a time (see the package documentation, Locks). Its durability
// is the shards' (see Options.Map).
type Set[K any] struct {
	m *Map[K, struct{}]
}

// OpenSet opens the set in dir, creating the directory and the set if they
// do not exist, with the key codec codec.For picks; see Open. A directory
// holding a map of other values than struct{} is refused with
// diskmap.ErrCodecMismatch.
func OpenSet[K any](dir string, opts *Options) (*Set[K], error) {
	m, err := OpenWith(dir, codec.For[K](), codec.Codec[struct{}](codec.Empty{}), opts)
	if err != nil {
		return nil, err
	}
	return &Set[K]{m: m}, nil
}

// Add puts k in the set and reports whether it was not there before, under
// the write lock of k's shard. Of a key already there it writes nothing.
func (s *Set[K]) Add(k K) (added bool, err error) {
	_, loaded, err := s.m.LoadOrStore(k, struct{}{})
	return !loaded && err == nil, err
}

// Has reports whether k is in the set.
func (s *Set[K]) Has(k K) (bool, error) { return s.m.Contains(k) }

// Remove takes k out of the set and reports whether it was there.
func (s *Set[K]) Remove(k K) (bool, error) { return s.m.Delete(k) }

// All returns an iterator over the keys, decoded copies, shard after shard
// and in each shard in the order they were first added, by the rules of
// Map.All; an error ends it, for Err to report.
func (s *Set[K]) All() iter.Seq[K] { return s.m.Keys() }

// Err returns the first error that ended an iteration since the last call
// of Err, as Map.Err does.
func (s *Set[K]) Err() error { return s.m.Err() }

// Len returns the number of keys in the set, 0 once it is closed; it takes
// no lock, as Map.Len.
func (s *Set[K]) Len() int { return s.m.Len() }

// Clear removes every key, shard after shard, as Map.Clear does.
func (s *Set[K]) Clear() error { return s.m.Clear() }

// Compact rewrites the shards without the records of removed keys, as
// Map.Compact does.
func (s *Set[K]) Compact() error { return s.m.Compact() }

// Sync makes every change made so far survive a power loss, as Map.Sync
// does.
func (s *Set[K]) Sync() error { return s.m.Sync() }

// Stats returns the set's statistics, as Map.Stats does; its shards'
// Values arenas hold no records.
func (s *Set[K]) Stats() Stats { return s.m.Stats() }

// Check reports the inconsistencies of the set's files, as Map.Check does.
func (s *Set[K]) Check() error { return s.m.Check() }

// Close syncs the set and releases its files and locks, as Map.Close does.
func (s *Set[K]) Close() error { return s.m.Close() }
