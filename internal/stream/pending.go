package stream

import (
	"fmt"

	"github.com/diskmap-go/diskmap/layout"
)

// Pending holds records read from a stream, copied, until a batch applies
// them. The zero Pending is empty and ready.
type Pending struct {
	data []byte       // the keys and values, one after another
	recs []pendingRec // where each record's bytes are in data
	out  []Record
}

type pendingRec struct {
	at, klen, vlen int
	expires        bool
	expiry         int64
}

// Read reads the next record of sr with NextChecked and keeps a copy.
func (p *Pending) Read(sr *Reader, check func(Record) error) error {
	rec, err := NextChecked(sr, check)
	if err != nil {
		return err
	}
	p.Add(rec)
	return nil
}

// NextChecked returns the next record of sr, checked by sr and then by
// check. It returns io.EOF after the end record, and the error of a record
// that does not check, matching layout.ErrCorrupt and naming the record's
// number and offset.
func NextChecked(sr *Reader, check func(Record) error) (Record, error) {
	at, i := sr.Offset(), sr.Count()
	rec, err := sr.Next()
	if err != nil {
		return Record{}, err
	}
	if err := check(rec); err != nil {
		return Record{}, fmt.Errorf("record %d at offset %d: %w", i, at, &layout.CorruptError{File: Name, Offset: at + layout.StreamHeadSize,
			Field: "record key and value", Expected: "encodings of the map's codecs", Found: err.Error()})
	}
	return rec, nil
}

// Add keeps a copy of rec.
func (p *Pending) Add(rec Record) {
	p.recs = append(p.recs, pendingRec{at: len(p.data), klen: len(rec.Key), vlen: len(rec.Value), expires: rec.Expires, expiry: rec.Expiry})
	p.data = append(append(p.data, rec.Key...), rec.Value...)
}

// Len returns the records held.
func (p *Pending) Len() int { return len(p.recs) }

// Bytes returns the bytes of keys and values held.
func (p *Pending) Bytes() int { return len(p.data) }

// Full reports whether Pending holds n records or more, or b bytes of keys
// and values.
func (p *Pending) Full(n, b int) bool { return len(p.recs) >= n || len(p.data) >= b }

// Records returns the records held, in the order read; they are valid
// until the next Read or Reset.
func (p *Pending) Records() []Record {
	p.out = p.out[:0]
	for _, r := range p.recs {
		k := p.data[r.at : r.at+r.klen : r.at+r.klen]
		v := p.data[r.at+r.klen : r.at+r.klen+r.vlen : r.at+r.klen+r.vlen]
		p.out = append(p.out, Record{Key: k, Value: v, Expires: r.expires, Expiry: r.expiry})
	}
	return p.out
}

// Reset empties Pending, keeping its memory.
func (p *Pending) Reset() { p.data, p.recs = p.data[:0], p.recs[:0] }
