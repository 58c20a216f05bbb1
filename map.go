package diskmap

import (
	"errors"
	"fmt"
	"sync"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/encode"
	"github.com/diskmap-go/diskmap/internal/wal"
	"github.com/diskmap-go/diskmap/layout"
)

// Map is a persistent hash map from K to V kept in a directory of
// memory-mapped files. See the package documentation for the files, the
// lifetime of views and the durability of writes.
//
// A Map is NOT safe for concurrent mutation. Any number of goroutines may
// call Get, GetMany, Contains, View, ViewMany, Len, Stats, Check and iterate
// at once while no other method runs; package concurrent builds a map for
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

// Len returns the number of keys in the map, 0 once it is closed.
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
	b, ok, err := m.View(k)
	if !ok || err != nil {
		return zero, ok, err
	}
	v, err := m.vc.Codec().Decode(b)
	if err != nil {
		return zero, false, fmt.Errorf("diskmap: %s: decoding value: %w", m.vals.path, err)
	}
	return v, true, nil
}

// Contains reports whether k is in the map.
func (m *Map[K, V]) Contains(k K) (bool, error) {
	if err := m.usable(); err != nil {
		return false, err
	}
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, new([]byte))
	if err != nil {
		return false, m.encodeError("key", err)
	}
	_, found, err := m.probe(kb, layout.Fingerprint(m.hash(kb)))
	return found, err
}

// View returns the encoded bytes of the value stored under k, in place in
// the map's read-only mapping: no copy, no allocation. The bytes are valid
// until the next change to the map (Put, Delete, Compact, a write through an
// Entry) or Close, whichever comes first; copy them to keep them longer.
// Writing to them crashes the program with a fault rather than changing the
// file.
func (m *Map[K, V]) View(k K) ([]byte, bool, error) {
	if err := m.usable(); err != nil {
		return nil, false, err
	}
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, new([]byte))
	if err != nil {
		return nil, false, m.encodeError("key", err)
	}
	// core.find's body, written out: calling find from here measured
	// about 80 ns slower per View in a map of 1M keys.
	i, found, err := m.probe(kb, layout.Fingerprint(m.hash(kb)))
	if !found || err != nil {
		return nil, false, err
	}
	s := layout.ReadSlot(m.tab.slot(i))
	b, ok := m.vals.view(s.Value, s.ValueLen)
	if !ok {
		return nil, false, slotError(m.tab, i, "value offset", "a record within the arena", uint64(s.Value)*layout.Align)
	}
	return b, true, nil
}

// Put stores v under k, replacing any value k had. A new key goes to the end
// of the iteration order; a replaced one keeps its place.
func (m *Map[K, V]) Put(k K, v V) error {
	if err := m.begin(); err != nil {
		return err
	}
	var ks, vs [8]byte
	kb, vb, err := m.encodePair(k, v, &ks, &vs)
	if err != nil {
		return err
	}
	fp := layout.Fingerprint(m.hash(kb))
	i, found, err := m.probe(kb, fp)
	if err != nil {
		return err
	}
	if _, err = m.store(i, found, kb, fp, vb); err != nil {
		return err
	}
	return m.waitDurable()
}

// Delete removes k and reports whether it was there.
func (m *Map[K, V]) Delete(k K) (bool, error) {
	if err := m.begin(); err != nil {
		return false, err
	}
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, &m.kbuf)
	if err != nil {
		return false, m.encodeError("key", err)
	}
	i, found, err := m.probe(kb, layout.Fingerprint(m.hash(kb)))
	if !found || err != nil {
		return false, err
	}
	if err := m.remove(i, kb); err != nil {
		return false, err
	}
	return true, m.waitDurable()
}

// Sync makes every change made so far survive a power loss. In
// DurabilityOS it writes the mapped pages of the three files, then the
// header, to stable storage; until then the operating system writes them
// back when it pleases. In the WAL modes it fsyncs the log, and nothing
// else: it stays cheap.
func (m *Map[K, V]) Sync() error {
	if err := m.usable(); err != nil {
		return err
	}
	switch {
	case m.readOnly || !m.hdr.Dirty():
		return nil
	case m.logged():
		return m.log.WaitSynced(m.log.Last())
	}
	return m.checkpoint(true)
}

// Checkpoint writes the map files and their header to stable storage, and
// then, in the WAL modes, empties the log. It runs by itself when the log
// passes Options.WALCheckpointBytes, when the table grows, at Compact and
// at Close. In the WAL modes it needs no free disk space but the space the
// map holds for its next table (see Close); without that, it returns the
// error and the log goes on holding every change.
func (m *Map[K, V]) Checkpoint() error {
	if err := m.usable(); err != nil {
		return err
	}
	if m.readOnly || !m.hdr.Dirty() {
		return nil
	}
	return m.checkpoint(true)
}

// WaitSynced returns once every mutation logged up to sequence number seq
// (see LastSeq), in the WAL modes, is on stable storage: it fsyncs the log,
// or joins an fsync in flight and then the next. Unlike the other methods
// it may be called from any goroutine at any time, without the lock that
// serialises the map's writers: a writer logs under the lock with DurabilityWAL, takes LastSeq,
// releases the lock, then waits, and writers that wait at once share one
// fsync. In DurabilityOS, and on a read-only map, it returns nil at once.
//
// After Close it returns nil for mutations that were synced, and ErrClosed
// for any that were not.
func (m *Map[K, V]) WaitSynced(seq uint64) error {
	if !m.logged() || m.readOnly {
		return nil // m.log may be set by a Batch meanwhile: do not read it
	}
	err := m.log.WaitSynced(seq)
	if errors.Is(err, wal.ErrClosed) {
		return ErrClosed // the log's own sentinel never leaves the package
	}
	return err
}

// LastSeq returns the sequence number of the last mutation written to the
// log (see WaitSynced), 0 in DurabilityOS.
func (m *Map[K, V]) LastSeq() uint64 {
	if !m.logged() || m.log == nil {
		return 0
	}
	return m.log.Last()
}

// Close syncs the map, marks it closed cleanly and releases its files and
// lock. Views and entries taken from it are invalid afterwards. Closing a
// closed map returns ErrClosed. A map that failed (a step that left its
// files unusable, reported by every method since) is not marked clean:
// Close releases it and returns the error that failed it, and the next Open
// recovers it.
//
// In the WAL modes closing writes the table (a checkpoint) into space the
// map holds for it, so a full disk does not stop it. If that space could
// not be had (a map created in DurabilityOS or by format version 1, on a
// disk that has been full since), Close syncs the log instead and returns
// nil: nothing is lost, but the map is left as not closed cleanly, and the
// next Open for writing replays the log (a read-only Open returns
// ErrReadOnly until then).
func (m *Map[K, V]) Close() error {
	if m.closed {
		return ErrClosed
	}
	err := m.failed // a failed map stays dirty, for the next Open to recover
	if !m.readOnly && err == nil && m.hdr.Dirty() {
		err = m.checkpoint(false)
	}
	m.closed = true
	m.compactions++
	return errors.Join(err, m.closeFiles(err == nil && m.failed == nil && !m.logKept))
}

// encodePair encodes a key and a value for a write, in the writer's scratch
// buffers when their codecs need buffers.
func (m *Map[K, V]) encodePair(k K, v V, ks, vs *[8]byte) ([]byte, []byte, error) {
	kb, err := m.kc.Encode(k, ks, &m.kbuf)
	if err != nil {
		return nil, nil, m.encodeError("key", err)
	}
	vb, err := m.vc.Encode(v, vs, &m.vbuf)
	if err != nil {
		return nil, nil, m.encodeError("value", err)
	}
	return kb, vb, nil
}
