package concurrent

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/encode"
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Map is a persistent hash map from K to V for many goroutines: its keys
// are spread over shards, each a diskmap.Map behind its own read-write
// lock. A Map IS safe for concurrent use: every method may be called from
// any goroutine at any time. See the package documentation for what
// iteration sees while others write, and for the rules of callbacks.
type Map[K, V any] struct {
	dir    string
	kc     encode.Encoder[K]
	hasher format.Hasher // picks a key's shard; seeded from the manifest
	// shardKey, if set, picks the part of an encoded key that the hasher
	// hashes (Options.ShardKey).
	shardKey func(key []byte) []byte
	shards   []shard[K, V]
	lock     *os.File // holds the directory's lock until Close
	files    mmap.FS  // the map's own files and its shards' go through it
	// perm is the permission bits of the files the map and its shards
	// create: Options.Map.FilePerm, or where that is 0, the manifest's
	// (see resolvePerm).
	perm   os.FileMode
	closed atomic.Bool
	// syncEach is set for DurabilityWALSync: the shards run DurabilityWAL,
	// and each writer waits for its fsync after releasing the shard's lock,
	// so that writers to one shard share fsyncs (group commit).
	syncEach bool

	iterMu  sync.Mutex
	iterErr error // first error that ended an iteration, until Err reads it

	// captured, when set by a test, is called by Backup with each shard's
	// number while it holds the shard's lock, once the shard is copied.
	captured func(shard int)
}

// Open opens the map in dir, creating the directory and the map if they do
// not exist, with codecs chosen by codec.For. A nil opts gives the defaults.
func Open[K, V any](dir string, opts *Options) (*Map[K, V], error) {
	return OpenWith(dir, codec.For[K](), codec.For[V](), opts)
}

// OpenWith is Open with the key and value codecs given. Their names must
// match the ones the map was created with, else diskmap.ErrCodecMismatch.
//
// Opening for writing locks the directory, and each shard's directory,
// until Close: a second Open for writing, in this process or another,
// fails at once with diskmap.ErrLocked. An Open that fails closes what it
// opened. Shards that were not closed cleanly are recovered as
// diskmap.Open recovers a map.
func OpenWith[K, V any](dir string, kc codec.Codec[K], vc codec.Codec[V], opts *Options) (*Map[K, V], error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if kc == nil || vc == nil {
		return nil, errors.New("concurrent: nil codec")
	}
	for _, name := range []string{kc.Name(), vc.Name()} {
		if !layout.ValidCodecName(name) {
			return nil, fmt.Errorf("concurrent: codec name %q: want 1 to %d bytes, no NUL", name, layout.MaxCodecName)
		}
	}
	m := &Map[K, V]{dir: dir, kc: encode.New(kc), files: o.files, shardKey: o.ShardKey}
	if err := m.open(kc, vc, o); err != nil {
		return nil, err
	}
	return m, nil
}

// Len returns the number of keys stored in the map, 0 once it is closed:
// keys that have expired and are not yet removed among them, as
// diskmap.Map.Len counts them. It takes no lock: while other goroutines
// write, it adds up shard sizes taken at slightly different moments.
func (m *Map[K, V]) Len() int {
	n := int64(0)
	for i := range m.shards {
		n += m.shards[i].count.Load()
	}
	return int(n)
}

// Get returns a decoded copy of the value stored under k, and whether k
// was found.
func (m *Map[K, V]) Get(k K) (V, bool, error) {
	var zero V
	s, err := m.shardOf(k)
	if err != nil {
		return zero, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.Get(k)
}

// GetAppend appends the encoded bytes of the value stored under k to dst
// and returns the extended slice, or dst unchanged and false if k is
// absent. The bytes are copied under the shard's read lock, so unlike a
// view they stay valid; a reader that reuses one buffer reads without
// making garbage.
func (m *Map[K, V]) GetAppend(dst []byte, k K) ([]byte, bool, error) {
	s, err := m.shardOf(k)
	if err != nil {
		return dst, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.GetAppend(dst, k)
}

// Contains reports whether k is in the map.
func (m *Map[K, V]) Contains(k K) (bool, error) {
	s, err := m.shardOf(k)
	if err != nil {
		return false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m.Contains(k)
}

// View calls fn with the encoded bytes of the value stored under k, in
// place in the shard's read-only mapping: no copy, no allocation. It
// reports whether k was found, and returns fn's error; fn is not called if
// k is not in the map. fn runs under the shard's read lock: the bytes must
// not be used after fn returns, and fn should be short, as writers of the
// shard wait for it. See the package documentation for what fn may call.
func (m *Map[K, V]) View(k K, fn func(v []byte) error) (bool, error) {
	s, err := m.shardOf(k)
	if err != nil {
		return false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, found, err := s.m.View(k)
	if !found || err != nil {
		return found, err
	}
	err = fn(b)
	return true, err
}

// Put stores v under k, replacing any value k had.
func (m *Map[K, V]) Put(k K, v V) error {
	s, err := m.shardOf(k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	err = s.m.Put(k, v)
	seq := s.m.LastSeq()
	s.unlock()
	return m.durable(s, seq, err)
}

// durable returns err, or with DurabilityWALSync, once err is nil, waits
// outside the shard's lock until the shard's log is synced up to seq.
func (m *Map[K, V]) durable(s *shard[K, V], seq uint64, err error) error {
	if err != nil || !m.syncEach {
		return err
	}
	return s.m.WaitSynced(seq)
}

// Delete removes k and reports whether it was there.
func (m *Map[K, V]) Delete(k K) (bool, error) {
	s, err := m.shardOf(k)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	found, err := s.m.Delete(k)
	seq := s.m.LastSeq()
	s.unlock()
	return found, m.durable(s, seq, err)
}

// Update looks k up and calls fn with its entry, all under the write lock
// of k's shard: a read-modify-write through the entry is atomic. An
// upsert:
//
//	err := m.Update("hits", func(e *diskmap.Entry[string, uint64]) error {
//		_, err := e.AndModify(func(n *uint64) { *n++ }).OrInsert(1)
//		return err
//	})
//
// Update returns fn's error, or the error met looking k up (fn is then not
// called). Changes fn made through e before failing stay made. The entry
// is valid only inside fn. See the package documentation for what fn may
// call.
func (m *Map[K, V]) Update(k K, fn func(e *diskmap.Entry[K, V]) error) error {
	s, err := m.shardOf(k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	seq, err := func() (uint64, error) {
		defer s.unlock() // also if fn panics
		e := s.m.Entry(k)
		err := e.Err()
		if err == nil {
			err = fn(e)
		}
		return s.m.LastSeq(), err
	}()
	return m.durable(s, seq, err)
}

// Compact compacts the shards one after another, each under its own write
// lock (see diskmap.Map.Compact): the other shards stay free meanwhile. It
// stops at the first shard that fails.
func (m *Map[K, V]) Compact() error {
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		s.gen++
		err := s.m.Compact()
		s.unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// Sync syncs every shard (see diskmap.Map.Sync), one after another, each
// under its own write lock. It syncs them all even if one fails, and
// returns the errors joined; a closed map returns diskmap.ErrClosed once.
func (m *Map[K, V]) Sync() error {
	if m.closed.Load() {
		return diskmap.ErrClosed
	}
	var errs []error
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		errs = append(errs, s.m.Sync())
		s.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Close waits for the calls in progress on each shard, closes the shards
// and releases the directory's lock. Iterations in progress end with
// diskmap.ErrStale; later calls return diskmap.ErrClosed, as does a second
// Close.
func (m *Map[K, V]) Close() error {
	if !m.closed.CompareAndSwap(false, true) {
		return diskmap.ErrClosed
	}
	var errs []error
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		s.gen++
		errs = append(errs, s.m.Close())
		s.count.Store(0)
		s.mu.Unlock()
	}
	return errors.Join(append(errs, m.release())...)
}

// release frees the directory's lock, once every shard is closed.
func (m *Map[K, V]) release() error {
	if m.lock == nil {
		return nil
	}
	err := mmap.Unlock(m.lock)
	if err != nil {
		err = fmt.Errorf("concurrent: unlocking %s: %w", m.path(lockFile), err)
	}
	if cerr := m.lock.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("concurrent: closing %s: %w", m.path(lockFile), mmap.Cause(cerr)))
	}
	m.lock = nil
	return err
}

// shardOf returns k's shard: the low bits of the shard hash of k's
// encoding, or of its shard key. The shard's own table is indexed by the top bits of another
// hash, seeded differently, so the two choices are independent.
func (m *Map[K, V]) shardOf(k K) (*shard[K, V], error) {
	i, err := m.shardIndex(k)
	if err != nil {
		return nil, err
	}
	return &m.shards[i], nil
}

// shardIndex returns the index of k's shard.
func (m *Map[K, V]) shardIndex(k K) (int, error) {
	var scratch [8]byte
	kb, err := m.kc.Encode(k, &scratch, new([]byte))
	if err != nil {
		return 0, fmt.Errorf("concurrent: %s: encoding key: %w", m.dir, err)
	}
	if m.shardKey != nil {
		// ShardKey gets a copy: handed kb itself, it would make the
		// encoding of every key escape to the heap, with a ShardKey or not.
		return m.shardOfBytes(bytes.Clone(kb)), nil
	}
	return layout.ShardOf(m.hasher.Sum(kb), len(m.shards)), nil
}

// shardOfBytes returns the index of the shard of the encoded key kb: the
// low bits of the shard hash of kb, or of its shard key.
func (m *Map[K, V]) shardOfBytes(kb []byte) int {
	if m.shardKey != nil {
		kb = m.shardKey(kb)
	}
	return layout.ShardOf(m.hasher.Sum(kb), len(m.shards))
}
