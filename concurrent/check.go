package concurrent

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/diskmap-go/diskmap"
)

// Check checks every shard, one after another, each under its read lock:
// diskmap.Map.Check of the shard's map, and that each of its keys belongs
// to it, that is, hashes to it with the manifest's seed. It reports every
// problem it finds with its file; the error matches diskmap.ErrCorrupt.
func (m *Map[K, V]) Check() error {
	if m.closed.Load() {
		return diskmap.ErrClosed
	}
	var errs []error
	for i := range m.shards {
		errs = append(errs, m.checkShard(&m.shards[i]))
	}
	return errors.Join(errs...)
}

// checkShard checks one shard under its read lock.
func (m *Map[K, V]) checkShard(s *shard[K, V]) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.m.Check(); err != nil {
		return err
	}
	s.iterMu.Lock() // the shard map's Err must be ours (see shard.iterMu)
	defer s.iterMu.Unlock()
	misplaced, first := 0, -1
	for k := range s.m.Keys() {
		i, err := m.shardIndex(k)
		if err != nil {
			return err
		}
		if i != s.num {
			misplaced++
			first = i
		}
	}
	if err := s.m.Err(); err != nil {
		return err
	}
	if misplaced > 0 {
		return &diskmap.CorruptError{File: filepath.Join(m.shardDir(s.num), "keys"), Field: "key shard",
			Expected: fmt.Sprintf("keys of shard %d", s.num), Found: fmt.Sprintf("%d keys of other shards, one of shard %d", misplaced, first)}
	}
	return nil
}
