package diskmap

import (
	"errors"
	"fmt"
	"io"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/stream"
	"github.com/diskmap-go/diskmap/layout"
)

// Export and Import move a map's contents as an export stream (see package
// layout, Export stream): a header with the codec names, a record for each
// key with its value and expiry, each record checksummed, and an end record
// that counts them. The stream depends on nothing but the keys, values and
// expiries: not on the table's size, the arenas' dead bytes, the hash seed
// or the durability mode.

// importBatch is the most records Import applies with one batch, and
// importBatchBytes the most bytes of keys and values: a crash in the middle
// of an Import leaves the map with a prefix of the stream's records.
const (
	importBatch      = 1024
	importBatchBytes = 4 << 20
)

// Export writes the map's keys that have not expired, with their values
// and expiries, to w as an export stream, and returns the bytes written.
// Keys come in insertion order (the order of All); each key that expires
// carries its absolute expiry, so it expires at the same time wherever it
// is imported. Whether a key has expired is judged once, by the map's
// clock when Export starts.
//
// Export is a read: other readers may run beside it, but no write, and w
// must not call the map. It stops at the first error of w, or at a damaged
// key record.
func (m *Map[K, V]) Export(w io.Writer) (int64, error) {
	if err := m.usable(); err != nil {
		return 0, err
	}
	sw := stream.NewWriter(w, layout.StreamHeader{KeyCodec: m.hdr.KeyCodec, ValueCodec: m.hdr.ValueCodec})
	err := m.exportRecords(sw, m.now())
	if err == nil {
		err = m.writeError(sw.End())
	}
	if err != nil {
		return sw.Written(), fmt.Errorf("exporting %s: %w", m.dir, err)
	}
	return sw.Written(), nil
}

// exportRecords writes a record to sw for each live key that has not
// expired at now, in insertion order.
func (c *core) exportRecords(sw *stream.Writer, now int64) error {
	p := c.startProgress(OpExport, int64(c.hdr.Count))
	defer p.end()
	var written int64
	return c.walk(func(kp []byte, t *table, i uint64, s layout.Slot) error {
		vb, exp, ok, err := c.exportValue(t, i, s, now)
		if !ok || err != nil {
			return err
		}
		written++
		p.at(written)
		return c.writeError(sw.Record(kp, vb, s.Expires(), exp))
	})
}

// exportValue returns the value of occupied slot i of t, s, and its
// expiry, or false if it has expired at now.
func (c *core) exportValue(t *table, i uint64, s layout.Slot, now int64) ([]byte, int64, bool, error) {
	if !s.Expires() {
		vb, _, err := c.value(t, i, s)
		return vb, 0, err == nil, err
	}
	exp, err := c.expiry(t, i, s)
	if err != nil || layout.Expired(exp, now) {
		return nil, 0, false, err
	}
	b, _ := c.vals.view(s.Value, s.RecordLen())
	return b[layout.ExpirySize:], exp, true, nil
}

// writeError wraps an error of the stream's writer, from outside the
// package.
func (c *core) writeError(err error) error {
	if err != nil {
		return fmt.Errorf("diskmap: writing the %s: %w", stream.Name, err)
	}
	return nil
}

// Import reads an export stream from r and puts each of its records into
// the map, as Put and PutTTL do: a key the map holds gets the record's
// value and expiry and keeps its place in the insertion order, a new key
// goes to the end, in the stream's order. A record whose key has expired
// by the map's clock is skipped. Import returns the number of records it
// put.
//
// The stream's codec names must be the map's, else an error matching
// ErrCodecMismatch names both, and nothing is put. Import applies the
// records in batches (see Batch) of up to 1024 records and 4 MiB, each all
// or nothing: a crash in the middle leaves the map with a prefix of the
// stream's records, and never part of one. A damaged or truncated stream
// stops Import at the first record that does not check, with an error
// matching ErrCorrupt that names its offset in the stream; the records
// before it are put, and none after.
func (m *Map[K, V]) Import(r io.Reader) (int, error) {
	if err := m.beginImport(); err != nil {
		return 0, err
	}
	sr, err := stream.NewReader(r)
	if err == nil {
		err = checkStreamCodecs(sr.Header, m.hdr.KeyCodec, m.hdr.ValueCodec)
	}
	if err != nil {
		return 0, fmt.Errorf("importing into %s: %w", m.dir, err)
	}
	var p stream.Pending
	applied := 0
	pr := m.startProgress(OpImport, 0)
	defer func() { pr.endAt(int64(applied)) }()
	for done := false; !done; {
		err := p.Read(sr, m.decodes)
		if err == nil && !p.Full(importBatch, importBatchBytes) {
			continue
		}
		done = err != nil
		n, aerr := m.importBatch(p.Records())
		applied += n
		pr.at(int64(applied))
		p.Reset()
		if err = errors.Join(ignoreEOF(err), aerr); err != nil {
			return applied, fmt.Errorf("importing into %s: %w", m.dir, err)
		}
	}
	return applied, nil
}

// beginImport refuses an Import into a map that cannot be written.
func (c *core) beginImport() error {
	if err := c.usable(); err != nil {
		return err
	}
	if c.readOnly {
		return fmt.Errorf("importing into %s: %w", c.dir, ErrReadOnly)
	}
	return nil
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// checkStreamCodecs returns an error matching ErrCodecMismatch unless the
// stream's codec names h are the map's, key and value, or compatible with
// them as Open judges them.
func checkStreamCodecs(h layout.StreamHeader, key, value string) error {
	same := func(a, b string) bool { return codec.Compatible(a, b) || codec.Compatible(b, a) }
	if !same(h.KeyCodec, key) || !same(h.ValueCodec, value) {
		return fmt.Errorf("the %s holds %s keys and %s values, the map %s and %s: %w",
			stream.Name, h.KeyCodec, h.ValueCodec, key, value, ErrCodecMismatch)
	}
	return nil
}

// decodes returns an error unless the key and the value of rec decode with
// the map's codecs: a stream's bytes go into the map as they are.
func (m *Map[K, V]) decodes(rec stream.Record) error {
	if _, err := m.kc.Codec().Decode(rec.Key); err != nil {
		return fmt.Errorf("the key does not decode as %s: %w", m.hdr.KeyCodec, err)
	}
	if _, err := m.vc.DecodeFor(rec.Key, rec.Value); err != nil {
		return fmt.Errorf("the value does not decode as %s: %w", m.hdr.ValueCodec, err)
	}
	return nil
}

// importBatch puts recs into the map with one batch, but those whose key
// has expired by the batch's time, and returns how many it put.
func (m *Map[K, V]) importBatch(recs []stream.Record) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	n := 0
	err := m.Batch(func(b *Batch[K, V]) error {
		n = 0
		for _, r := range recs {
			exp := int64(noExpiry)
			if r.Expires {
				if layout.Expired(r.Expiry, m.writeNow()) {
					continue
				}
				exp = r.Expiry
			}
			if err := b.putEncoded(r.Key, r.Value, exp); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// mapShard is the stream.Shard of a Map, for package concurrent.
type mapShard[K, V any] struct{ m *Map[K, V] }

func (s mapShard[K, V]) Names() (string, string) { return s.m.hdr.KeyCodec, s.m.hdr.ValueCodec }

func (s mapShard[K, V]) CheckHeader(h layout.StreamHeader) error {
	return checkStreamCodecs(h, s.m.hdr.KeyCodec, s.m.hdr.ValueCodec)
}

func (s mapShard[K, V]) Writable() error { return s.m.beginImport() }

func (s mapShard[K, V]) Export(w *stream.Writer, now int64) error {
	if err := s.m.usable(); err != nil {
		return err
	}
	return s.m.exportRecords(w, now)
}

func (s mapShard[K, V]) Import(recs []stream.Record) (int, error) { return s.m.importBatch(recs) }

func (s mapShard[K, V]) Decodes(rec stream.Record) error { return s.m.decodes(rec) }

func (s mapShard[K, V]) Now() int64 { return s.m.now() }

// streamShard returns the map's stream.Shard.
func (m *Map[K, V]) streamShard() stream.Shard { return mapShard[K, V]{m} }

// init installs the one way to reach a Map's stream.Shard from outside
// this package; see stream.ShardOf.
func init() {
	stream.ShardOf = func(m any) stream.Shard {
		return m.(interface{ streamShard() stream.Shard }).streamShard()
	}
}
