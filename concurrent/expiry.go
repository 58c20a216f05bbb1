package concurrent

import (
	"time"
)

// Keys that expire: each shard keeps them as diskmap.Map does (see its
// PutTTL), by the clock of Options.Map.Clock, which every shard reads and
// which must be safe for concurrent use. Len, and the Len of Stats, count
// the keys stored, those that have expired and are not yet removed among
// them: each shard's writes remove them as they meet them and as they
// sweep, and RemoveExpired and Compact remove them all.

// PutTTL stores v under k, as Put does, to expire ttl from now by the
// map's clock (see diskmap.Map.PutTTL). ttl must be positive.
func (m *Map[K, V]) PutTTL(k K, v V, ttl time.Duration) error {
	s, err := m.shardOf(k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	err = s.m.PutTTL(k, v, ttl)
	seq := s.m.LastSeq()
	s.unlock()
	return m.durable(s, seq, err)
}

// TTL returns the time k has left before it expires, and whether k is in
// the map: 0 and true for a key that never expires, 0 and false for a key
// that is not there or has expired (see diskmap.Map.TTL). It reads under
// the read lock of k's shard.
func (m *Map[K, V]) TTL(k K) (time.Duration, bool, error) {
	s, err := m.shardOf(k)
	if err != nil {
		return 0, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.TTL(k)
}

// RemoveExpired removes every key that has expired by now, shard after
// shard, each under its own write lock (see diskmap.Map.RemoveExpired), and
// returns how many it removed. It stops at the first shard that fails,
// with the count removed so far.
func (m *Map[K, V]) RemoveExpired() (int, error) {
	removed := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n, err := s.m.RemoveExpired()
		seq := s.m.LastSeq()
		s.unlock()
		removed += n
		if err = m.durable(s, seq, err); err != nil {
			return removed, err
		}
	}
	return removed, nil
}
