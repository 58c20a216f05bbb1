package diskmap

import "github.com/diskmap-go/diskmap/layout"

// Stats describes a map's size and the state of its files.
type Stats struct {
	Len        int     // keys stored, as Len counts them: expired ones not yet removed among them
	Capacity   int     // slots in the table
	Tombstones int     // slots of deleted keys, cleared when the table is rebuilt
	LoadFactor float64 // (Len + Tombstones) / Capacity
	TableBytes int64   // size of the buckets file
	Keys       ArenaStats
	Values     ArenaStats
	Resizes    uint64 // table rebuilds since the map was created
	Compacted  uint64 // compactions since the map was created
}

// ArenaStats describes one arena file.
type ArenaStats struct {
	Live int64 // bytes of records in use
	Dead int64 // bytes of records replaced or deleted, reclaimed by Compact
	Size int64 // size of the file, including space allocated ahead
}

// Stats returns the map's statistics; the zero Stats once it is closed.
func (m *Map[K, V]) Stats() Stats {
	if m.usable() != nil {
		return Stats{}
	}
	slots := m.tab.mask + 1
	return Stats{
		Len:        int(m.hdr.Count),
		Capacity:   int(slots),
		Tombstones: int(m.hdr.Tombstones),
		LoadFactor: float64(m.hdr.Count+m.hdr.Tombstones) / float64(slots),
		TableBytes: int64(len(m.tab.data)),
		Keys:       m.keys.stats(),
		Values:     m.vals.stats(),
		Resizes:    m.hdr.Resizes,
		Compacted:  m.hdr.Compactions,
	}
}

func (a *arena) stats() ArenaStats {
	return ArenaStats{Live: a.live, Dead: a.end - layout.ArenaHeaderSize - a.live, Size: a.size}
}
