package concurrent

import (
	"errors"
	"fmt"
	"io"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/stream"
	"github.com/diskmap-go/diskmap/layout"
)

// importBatch is the most records Import holds, over all shards, before it
// puts them, and importBatchBytes the most bytes of keys and values; each
// shard's part is one batch of its map.
const (
	importBatch      = 1024
	importBatchBytes = 4 << 20
)

// Export writes the map's keys that have not expired, with their values
// and expiries, to w as one export stream (see diskmap.Map.Export and
// package layout, Export stream), and returns the bytes written. It goes
// shard by shard, each shard's keys in its insertion order, under the
// shard's read lock: readers of every shard go on meanwhile, and writers
// of the other shards, while writers of the shard being exported wait for
// it. The stream is that of each shard as of its turn, not of the whole
// map at one moment. A stream of a concurrent.Map imports into a
// diskmap.Map, and the other way round, with the same codecs.
func (m *Map[K, V]) Export(w io.Writer) (int64, error) {
	if m.closed.Load() {
		return 0, diskmap.ErrClosed
	}
	first := stream.ShardOf(m.shards[0].m)
	kn, vn := first.Names()
	sw := stream.NewWriter(w, layout.StreamHeader{KeyCodec: kn, ValueCodec: vn})
	now := first.Now()
	for i := range m.shards {
		if err := m.exportShard(&m.shards[i], sw, now); err != nil {
			return sw.Written(), fmt.Errorf("exporting %s: %w", m.dir, err)
		}
	}
	if err := sw.End(); err != nil {
		return sw.Written(), fmt.Errorf("concurrent: exporting %s: writing the %s: %w", m.dir, stream.Name, err)
	}
	return sw.Written(), nil
}

// exportShard writes the records of shard s to sw, under its read lock.
func (m *Map[K, V]) exportShard(s *shard[K, V], sw *stream.Writer, now int64) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return stream.ShardOf(s.m).Export(sw, now)
}

// Import reads an export stream from r and puts each record into its
// key's shard, as diskmap.Map.Import does, and returns the number of
// records put. The stream's codec names must be the map's, else an error
// matching diskmap.ErrCodecMismatch, and nothing is put. Records are put in
// rounds of up to 1024 records and 4 MiB, each shard's part of a round one
// batch under its write lock. A damaged or truncated stream stops Import at
// the first record that does not check, with an error matching
// diskmap.ErrCorrupt that names its offset; the records before it are put,
// and none after. After a crash, each shard holds a prefix of its records
// in the stream; nothing is atomic across shards.
func (m *Map[K, V]) Import(r io.Reader) (int, error) {
	if m.closed.Load() {
		return 0, diskmap.ErrClosed
	}
	first := stream.ShardOf(m.shards[0].m)
	if err := first.Writable(); err != nil {
		return 0, err
	}
	sr, err := stream.NewReader(r)
	if err == nil {
		err = first.CheckHeader(sr.Header)
	}
	if err != nil {
		return 0, fmt.Errorf("importing into %s: %w", m.dir, err)
	}
	n, err := m.importRecords(sr, first.Decodes)
	if err != nil {
		return n, fmt.Errorf("importing into %s: %w", m.dir, err)
	}
	return n, nil
}

// importRecords reads the records of sr, checked with check, into a
// Pending for each shard, and puts them each time the round is full and
// at the end.
func (m *Map[K, V]) importRecords(sr *stream.Reader, check func(stream.Record) error) (int, error) {
	pending := make([]stream.Pending, len(m.shards))
	applied, held, bytes := 0, 0, 0
	for done := false; !done; {
		rec, err := stream.NextChecked(sr, check)
		if err == nil {
			i := m.shardOfBytes(rec.Key)
			pending[i].Add(rec)
			if held, bytes = held+1, bytes+len(rec.Key)+len(rec.Value); held < importBatch && bytes < importBatchBytes {
				continue
			}
		}
		done = err != nil
		n, perr := m.putPending(pending)
		applied, held, bytes = applied+n, 0, 0
		if err == io.EOF {
			err = nil
		}
		if err = errors.Join(err, perr); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// putPending puts the records held for each shard with one batch of its
// map, under its write lock, and empties them. It stops at the first shard
// that fails.
func (m *Map[K, V]) putPending(pending []stream.Pending) (int, error) {
	applied := 0
	for i := range pending {
		if pending[i].Len() == 0 {
			continue
		}
		s := &m.shards[i]
		s.mu.Lock()
		n, err := stream.ShardOf(s.m).Import(pending[i].Records())
		seq := s.m.LastSeq()
		s.unlock()
		pending[i].Reset()
		applied += n
		if err := m.durable(s, seq, err); err != nil {
			return applied, err
		}
	}
	return applied, nil
}
