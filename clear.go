package diskmap

import (
	"fmt"

	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Clear removes every key, and gives back the space of the map's files: it
// writes the files of an empty map beside the old ones, as Compact does,
// and renames them into place, so that the map is as Open creates it with
// the options it was opened with (a table for Options.Capacity keys,
// arenas of Options.KeyBytes and Options.ValueBytes). The counters of
// Stats that count since the map was created (Resizes, Compacted) stay.
//
// Clear is all or nothing in every mode, after a crash of the process and
// after a power loss: until the rename that commits it the map is as it
// was, and from then on the next Open finishes it. Clear is durable when
// it returns, in every mode. The log, and in the WAL modes the space held
// for the next table (buckets.spare), keep their size until Close. It ends an iteration in progress, as
// Compact does; views taken before it are invalid after it.
func (m *Map[K, V]) Clear() error {
	if err := m.begin(); err != nil {
		return err
	}
	return m.replaceFiles("clearing", m.buildEmpty, func() { m.sweep.passed(false) })
}

// buildEmpty writes the files of an empty map, sized as create sizes them,
// in the *.compact files, synced and closed.
func (c *core) buildEmpty(gen uint64) error {
	log2 := log2For(c.opts.Capacity, c.opts.MaxLoad)
	return c.buildFiles(gen, c.opts.KeyBytes, c.opts.ValueBytes, log2,
		func(_, _ *arena, _ *table, h *layout.Header) error {
			h.Count = 0
			return nil
		})
}

// DeleteFunc removes every key for which del returns true, as
// maps.DeleteFunc does for a Go map, and returns how many it removed. del
// is called once for each key, in insertion order, with decoded copies of
// the key and its value; it may read the map, but not change it.
//
// The removes are applied together as one batch (see Batch): after a
// crash, in every mode, all of them or none. If del changes the map, or
// closes it, DeleteFunc removes nothing and returns ErrStale (ErrClosed);
// an error decoding a key or a value stops it the same way. It may first
// compact the map (see Put).
func (m *Map[K, V]) DeleteFunc(del func(K, V) bool) (int, error) {
	if err := m.begin(); err != nil {
		return 0, err
	}
	if err := m.compactIfDue(nil, nil); err != nil {
		return 0, err
	}
	ops, n, err := m.deletesFor(del)
	if n == 0 || err != nil {
		return 0, err
	}
	m.epoch++
	if err := m.applyFrame(ops, room{}, live); err != nil {
		return 0, err
	}
	return n, m.waitDurable()
}

// deletesFor walks the map and returns the deletes, in the log's format,
// of the keys that del picks, and their number.
func (m *Map[K, V]) deletesFor(del func(K, V) bool) ([]byte, int, error) {
	epoch, files := m.epoch, m.filesRetired
	var ops []byte
	n := 0
	err := m.walk(func(kp []byte, t *table, i uint64, s layout.Slot) error {
		k, err := m.decodeKey(kp)
		if err != nil {
			return err
		}
		vp, found, err := m.value(t, i, s)
		if !found || err != nil {
			return err // not found: expired, and so not there for del
		}
		v, err := m.decode(kp, vp)
		if err != nil {
			return err
		}
		picked := del(k, v)
		switch {
		case m.closed:
			return ErrClosed
		case m.epoch != epoch || m.filesRetired != files:
			return fmt.Errorf("DeleteFunc on %s: its function changed the map: %w", m.dir, ErrStale)
		case picked:
			ops = wal.AppendDelete(ops, kp)
			n++
		}
		return nil
	})
	return ops, n, err
}
