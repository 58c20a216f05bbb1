package diskmap

import "github.com/diskmap-go/diskmap/layout"

// Stats describes a map's size and the state of its files. What Compact
// would reclaim is the Dead bytes of each arena and the Tombstones, and
// the records of keys that have expired.
//
// Len, as Map.Len, counts the keys stored: those that have expired and are
// not yet removed among them, though no read finds them. Writes remove
// them as they meet them and as they sweep (see Map.PutTTL), and
// RemoveExpired and every compaction remove them all; Expired counts them
// as they go.
type Stats struct {
	Len        int     // keys stored, expired ones not yet removed among them
	Capacity   int     // slots in the table; while it grows, in the new one
	Tombstones int     // slots of deleted keys, cleared when the table is rebuilt
	LoadFactor float64 // (Len + Tombstones) / Capacity
	TableBytes int64   // size of the buckets file; while the table grows, of buckets.next
	Keys       ArenaStats
	Values     ArenaStats
	Resizes    uint64 // table rebuilds since the map was created
	Compacted  uint64 // compactions since the map was created, automatic ones included

	// AutoCompactions counts the compactions that writes made by
	// themselves (see Options.CompactAt) since the map was opened.
	AutoCompactions uint64
	// AutoCompactErr is why the last automatic compaction, or rebuild of
	// the table for its tombstones, failed, if it did and none has
	// succeeded since. The write that tried it went on without it.
	AutoCompactErr error

	// Expired counts the keys that had expired and were removed since the
	// map was opened: by writes that met them, the sweep, RemoveExpired,
	// Compact and automatic compactions.
	Expired uint64

	// Recovery is what the Open of this map did to recover it, if it was
	// not closed cleanly.
	Recovery Recovery
}

// ArenaStats describes one arena file.
type ArenaStats struct {
	Live int64 // bytes of records in use
	Dead int64 // bytes of records replaced or deleted, reclaimed by Compact
	// Size is the size of the file, space allocated ahead included; an
	// allocation ahead that the background has made (at most 4 MiB) shows
	// from the first write after it, which maps it.
	Size int64

	// Reusable is the part of Dead that updates write over instead of
	// growing the arena: the twins, one dead record for each key updated
	// with values of one length (see Update in place in package layout):
	// in DurabilityOS since the map was opened, in the WAL modes since
	// the last checkpoint, which leaves them dead for good. Compact
	// reclaims them as any dead bytes. Always 0 for the keys arena.
	Reusable int64
}

// Stats returns the map's statistics; the zero Stats once it is closed.
func (m *Map[K, V]) Stats() Stats {
	if m.usable() != nil {
		return Stats{}
	}
	t := m.current()
	slots := t.mask + 1
	return Stats{
		Len:             int(m.hdr.Count),
		Capacity:        int(slots),
		Tombstones:      int(m.hdr.Tombstones),
		LoadFactor:      float64(m.hdr.Count+m.hdr.Tombstones) / float64(slots),
		TableBytes:      int64(len(t.data)),
		Keys:            m.keys.stats(),
		Values:          m.valueStats(),
		Resizes:         m.hdr.Resizes,
		Compacted:       m.hdr.Compactions,
		AutoCompactions: m.auto.runs,
		AutoCompactErr:  m.auto.err,
		Expired:         m.expired,
		Recovery:        m.recovery,
	}
}

// DeadShare returns the share of the arena's records that are dead, 0 for
// an empty arena: what Options.CompactAt is compared with.
func (a ArenaStats) DeadShare() float64 {
	if a.Live+a.Dead == 0 {
		return 0
	}
	return float64(a.Dead) / float64(a.Live+a.Dead)
}

func (a *arena) stats() ArenaStats {
	return ArenaStats{Live: a.live, Dead: a.end - layout.ArenaHeaderSize - a.live, Size: a.size}
}

// valueStats is the values arena's stats, with its twins.
func (c *core) valueStats() ArenaStats {
	s := c.vals.stats()
	s.Reusable = c.twins.bytes
	return s
}
