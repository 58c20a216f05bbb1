package diskmap

import (
	"errors"
	"fmt"
	"sync"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/encode"
	"github.com/diskmap-go/diskmap/layout"
)

// Map is a persistent hash map from K to V kept in a directory of
// memory-mapped files. See the package documentation for the files, the
// lifetime of views and the durability of writes.
//
// A Map is NOT safe for concurrent mutation. Any number of goroutines may
// call Get, GetMany, Contains, View, ViewMany, TTL, Len, Stats, Check, Export and
// iterate at once while no other method runs; package concurrent builds a map for
// many writers on top of that rule.
type Map[K, V any] struct {
	core       // files, header and the byte-level operations
	kc         encode.Encoder[K]
	vc         encode.Encoder[V]
	kbuf, vbuf []byte // the writer's scratch space for encodings that allocate

	iterMu  sync.Mutex
	iterErr error // first error that ended an iteration, until Err reads it
}

// Open opens the map in dir, creating the directory and the map if they do
// not exist, with codecs chosen by codec.For. A nil opts gives the defaults.
//
// Open reads, writes and removes only the files of a map, those package
// layout lists (buckets, keys, values, lock, wal, buckets.spare,
// buckets.grow, *.compact), and leaves any other file in the directory
// alone; a map is created among other files too. It refuses a directory
// that holds a concurrent.Map (a file manifest or a directory shard-0000)
// with an error matching ErrCorrupt, and a read-only Open of a directory
// that holds no map with an error matching fs.ErrNotExist, creating
// nothing in either case.
func Open[K, V any](dir string, opts *Options) (*Map[K, V], error) {
	return OpenWith(dir, codec.For[K](), codec.For[V](), opts)
}

// OpenWith is Open with the key and value codecs given. Their names must
// match the ones the map was created with, else ErrCodecMismatch.
//
// Opening for writing takes an exclusive lock on the directory, held until
// Close: a second Open for writing, in this process or another, fails at
// once with ErrLocked. A map that was not closed cleanly is checked and
// repaired first (see package layout, Recover).
func OpenWith[K, V any](dir string, kc codec.Codec[K], vc codec.Codec[V], opts *Options) (*Map[K, V], error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if kc == nil || vc == nil {
		return nil, errors.New("diskmap: nil codec")
	}
	for _, name := range []string{kc.Name(), vc.Name()} {
		if !layout.ValidCodecName(name) {
			return nil, fmt.Errorf("diskmap: codec name %q: want 1 to %d bytes, no NUL", name, layout.MaxCodecName)
		}
	}
	m := &Map[K, V]{kc: encode.New(kc), vc: encode.New(vc)}
	m.core = core{dir: dir, opts: o, readOnly: o.ReadOnly, hashAnd: ^uint64(0)}
	if err := m.open(kc.Name(), vc.Name()); err != nil {
		return nil, err
	}
	return m, nil
}

// Len returns the number of keys stored in the map, 0 once it is closed.
// Keys that have expired and are not yet removed are counted: they are
// absent for every read, and leave the count as writes remove them (see
// PutTTL); after RemoveExpired or Compact, Len counts only keys that have
// not expired.
func (m *Map[K, V]) Len() int {
	if m.closed {
		return 0
	}
	return int(m.hdr.Count)
}

// Get returns a decoded copy of the value stored under k, safe to keep, and
// whether k was found.
func (m *Map[K, V]) Get(k K) (V, bool, error) {
	var zero V
	var scratch [8]byte
	kb, b, ok, err := m.view(k, &scratch)
	if !ok || err != nil {
		return zero, ok, err
	}
	v, err := m.decode(kb, b)
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// GetAppend appends the encoded bytes of the value stored under k to dst
// and returns the extended slice: the value's bytes as View returns them,
// copied, so that a reader that reuses one buffer reads without making
// garbage. If k is absent it returns dst unchanged and false.
func (m *Map[K, V]) GetAppend(dst []byte, k K) ([]byte, bool, error) {
	b, ok, err := m.View(k)
	if !ok || err != nil {
		return dst, ok, err
	}
	return append(dst, b...), true, nil
}

// Contains reports whether k is in the map. A key that has expired is not.
func (m *Map[K, V]) Contains(k K) (bool, error) {
	if err := m.usable(); err != nil {
		return false, err
	}
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, new([]byte))
	if err != nil {
		return false, m.encodeError("key", err)
	}
	return m.contains(kb)
}

// View returns the encoded bytes of the value stored under k, in place in
// the map's read-only mapping: no copy, no allocation. A key that has
// expired is not found. The bytes are those the value codec wrote: for a
// codec that wraps another, such as codec.Sealed or codec/zstd's, they
// are the sealed or compressed bytes, which Get decodes into a copy. The bytes are valid
// until the next change to the map (Put, Delete, Compact, a write through an
// Entry) or Close, whichever comes first; copy them to keep them longer.
// Writing to them crashes the program with a fault rather than changing the
// file.
//
// Reading them later is a bug that the map makes loud rather than quiet:
// past a Compact (automatic ones included), a growth that moves the
// mapping, or Close, reading them faults; they never show another value.
// Past a write that moves no mapping they still point into the file, at
// bytes no longer promised to be the value. The package documentation
// (Views) says what happens after each operation, and the limits.
func (m *Map[K, V]) View(k K) ([]byte, bool, error) {
	var scratch [8]byte
	_, b, ok, err := m.view(k, &scratch)
	return b, ok, err
}

// view encodes k, which may land in scratch, and returns its encoding and
// the encoded value stored under it, as View.
func (m *Map[K, V]) view(k K, scratch *[8]byte) (kb, vb []byte, found bool, err error) {
	if err := m.usable(); err != nil {
		return nil, nil, false, err
	}
	kb, err = m.kc.Encode(k, scratch, new([]byte))
	if err != nil {
		return nil, nil, false, m.encodeError("key", err)
	}
	vb, found, err = m.find(kb, layout.Fingerprint(m.hash(kb)))
	return kb, vb, found, err
}

// Put stores v under k, replacing any value k had, and any expiry: k never
// expires. A new key goes to the end of the iteration order; a replaced one
// keeps its place, but for one that had expired, which is new again.
//
// Any write (Put, Delete, Batch, a write through an Entry) may first compact
// the map, when dead bytes pass Options.CompactAt, which makes it take as
// long as Compact. Views taken before it are invalid after it, as after
// every write; k and v may be views of the map all the same. A compaction
// that fails does not fail the write: Stats.AutoCompactErr reports it.
func (m *Map[K, V]) Put(k K, v V) error {
	if err := m.begin(); err != nil {
		return err
	}
	var ks, vs [8]byte
	kb, vb, err := m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return err
	}
	if err := m.compactIfDue(&kb, &vb); err != nil {
		return err
	}
	if _, err := m.put(kb, vb, noExpiry, live); err != nil {
		return err
	}
	return m.waitDurable()
}

// Delete removes k and reports whether it was there; a key that had
// expired was not, and is removed. It may first compact the map (see Put).
func (m *Map[K, V]) Delete(k K) (bool, error) {
	if err := m.begin(); err != nil {
		return false, err
	}
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, &m.kbuf)
	if err != nil {
		return false, m.encodeError("key", err)
	}
	if err := m.compactIfDue(&kb, nil); err != nil {
		return false, err
	}
	found, err := m.remove(kb, live)
	if !found || err != nil {
		return false, err
	}
	return true, m.waitDurable()
}

// decode decodes b, the encoded value stored under the encoded key kb.
func (m *Map[K, V]) decode(kb, b []byte) (V, error) {
	v, err := m.vc.DecodeFor(kb, b)
	if err != nil {
		return v, m.decodeError(kb, b, err)
	}
	return v, nil
}

// decodeError returns the error of a value b, stored under kb, that did
// not decode. A key-bound codec (codec.Sealed) reports bytes that do not
// open under their key: a value changed, moved from another key, or
// sealed with another AEAD key, which the map reports as damage, with
// the file, the offset of the value and the key.
func (m *Map[K, V]) decodeError(kb, b []byte, err error) error {
	if !m.vc.Bound() || !errors.Is(err, codec.ErrInvalid) {
		return fmt.Errorf("diskmap: %s: decoding value: %w", m.vals.path, err)
	}
	return &CorruptError{
		File:   m.vals.path,
		Offset: m.vals.offsetOf(b),
		Field:  fmt.Sprintf("value of key %q", clip(kb)),
		Found:  err,
	}
}

// clip returns a copy of the first 64 bytes of b, for an error message:
// a copy, so that b, which may lie in a caller's scratch array, stays off
// the heap.
func clip(b []byte) []byte { return append([]byte(nil), b[:min(len(b), 64)]...) }

// encodePair encodes a key and a value for a write, in the writer's scratch
// buffers when their codecs need buffers.
func (m *Map[K, V]) encodePair(k K, v V, ks, vs *[8]byte) ([]byte, []byte, error) {
	kb, err := m.kc.Encode(k, ks, &m.kbuf)
	if err != nil {
		return nil, nil, m.encodeError("key", err)
	}
	vb, err := m.vc.EncodeFor(kb, v, vs, &m.vbuf)
	if err != nil {
		return nil, nil, m.encodeError("value", err)
	}
	return kb, vb, nil
}
