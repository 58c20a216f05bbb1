package concurrent

import (
	"errors"

	"github.com/diskmap-go/diskmap"
)

// Stats describes a Map: the totals over its shards, and each shard.
type Stats struct {
	// The sums over the shards of each field, but LoadFactor, which is
	// (Len + Tombstones) / Capacity of the sums, and AutoCompactErr, which
	// joins the shards' errors (each names its shard's directory).
	diskmap.Stats

	// Shards holds each shard's statistics, in shard order. Shard sizes
	// stay within a few percent of each other.
	Shards []diskmap.Stats
}

// Stats returns the map's statistics, each shard's read under its read
// lock, one after another; the zero Stats once the map is closed.
func (m *Map[K, V]) Stats() Stats {
	if m.closed.Load() {
		return Stats{}
	}
	st := Stats{Shards: make([]diskmap.Stats, len(m.shards))}
	for i := range m.shards {
		st.Shards[i] = m.shards[i].stats()
		st.add(&st.Shards[i])
	}
	if st.Capacity > 0 {
		st.LoadFactor = float64(st.Len+st.Tombstones) / float64(st.Capacity)
	}
	return st
}

// stats returns the shard's statistics, read under its read lock.
func (s *shard[K, V]) stats() diskmap.Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.Stats()
}

// add adds a shard's statistics to the totals.
func (st *Stats) add(s *diskmap.Stats) {
	st.Len += s.Len
	st.Capacity += s.Capacity
	st.Tombstones += s.Tombstones
	st.TableBytes += s.TableBytes
	st.Keys.Live += s.Keys.Live
	st.Keys.Dead += s.Keys.Dead
	st.Keys.Size += s.Keys.Size
	st.Values.Live += s.Values.Live
	st.Values.Dead += s.Values.Dead
	st.Values.Size += s.Values.Size
	st.Resizes += s.Resizes
	st.Compacted += s.Compacted
	st.AutoCompactions += s.AutoCompactions
	st.Expired += s.Expired
	if s.AutoCompactErr != nil {
		st.AutoCompactErr = errors.Join(st.AutoCompactErr, s.AutoCompactErr)
	}
}
