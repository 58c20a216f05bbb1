package concurrent

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/batchkeys"
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Names in a map directory.
const (
	manifestFile = "manifest"
	lockFile     = "lock"
	shardPrefix  = "shard-"
	bucketsFile  = "buckets" // a shard's table and header (package layout)
)

func (m *Map[K, V]) path(name string) string { return filepath.Join(m.dir, name) }

// shardDir returns the directory of shard i: shard-0000, shard-0001, ...
func (m *Map[K, V]) shardDir(i int) string { return m.path(fmt.Sprintf("%s%04d", shardPrefix, i)) }

// open locks the directory, reads or creates the manifest and opens the
// shards. On failure everything opened so far is closed again, and what a
// new map's creation made is removed.
func (m *Map[K, V]) open(kc codec.Codec[K], vc codec.Codec[V], o Options) (err error) {
	m.resolvePerm(o.Map.FilePerm)
	if err := m.takeLock(o.Map.ReadOnly, o.Map.LockTimeout); err != nil {
		return err
	}
	var made []string // what this call created, to remove on failure
	defer func() {
		if err != nil {
			err = errors.Join(err, m.closeShards())
			for i := len(made) - 1; i >= 0; i-- {
				if rerr := os.RemoveAll(made[i]); rerr != nil {
					err = errors.Join(err, fmt.Errorf("concurrent: removing %s: %w", made[i], rerr))
				}
			}
			err = errors.Join(err, m.release())
		}
	}()
	mf, err := m.loadManifest(kc.Name(), vc.Name(), o, &made)
	if err != nil {
		return err
	}
	so := shardOptions(o.Map, len(mf.Shards))
	so.FilePerm = m.perm
	mmap.SetFiles(&so, m.files)
	if so.Durability == diskmap.DurabilityWALSync {
		so.Durability, m.syncEach = diskmap.DurabilityWAL, true
	}
	if !mf.Creating() {
		if err := m.checkShards(&mf, kc, vc, so); err != nil {
			return err
		}
	}
	m.hasher = format.NewHasher(mf.Seed)
	m.shards = make([]shard[K, V], len(mf.Shards))
	if err := m.openShards(kc, vc, so, &made); err != nil {
		return err
	}
	if mf.Creating() {
		return m.finishCreate(&mf)
	}
	return nil
}

// loadManifest reads the manifest and checks it against the codecs. If
// there is none, it starts creating the map, and appends the manifest to
// made.
func (m *Map[K, V]) loadManifest(keyCodec, valueCodec string, o Options, made *[]string) (layout.Manifest, error) {
	ro := o.Map.ReadOnly
	mf, err := readManifest(m.files, m.path(manifestFile))
	switch {
	case errors.Is(err, fs.ErrNotExist) && !ro:
		if mf, err = m.startCreate(keyCodec, valueCodec, o.Shards, o.ShardKey != nil); err != nil {
			return mf, err
		}
		*made = append(*made, m.path(manifestFile))
	case err != nil:
		return mf, err
	case !codec.Compatible(mf.KeyCodec, keyCodec) || !codec.Compatible(mf.ValueCodec, valueCodec):
		return mf, fmt.Errorf("%s holds %s keys and %s values, opened with %s and %s: %w",
			m.path(manifestFile), mf.KeyCodec, mf.ValueCodec, keyCodec, valueCodec, diskmap.ErrCodecMismatch)
	case mf.ShardKey() != (o.ShardKey != nil):
		return mf, fmt.Errorf("%s: %w", m.shardKeyMismatch(mf.ShardKey()), ErrShardKey)
	case mf.Creating() && ro:
		return mf, fmt.Errorf("%s was not created completely; open it for writing once to finish: %w", m.dir, diskmap.ErrReadOnly)
	}
	return mf, nil
}

// shardKeyMismatch says how the shard keys of the map differ from those it
// is opened with, recorded says whether its manifest records a ShardKey.
func (m *Map[K, V]) shardKeyMismatch(recorded bool) string {
	if recorded {
		return m.path(manifestFile) + " records keys sharded by a shard key, opened without Options.ShardKey"
	}
	return m.path(manifestFile) + " records keys sharded by their whole encoding, opened with an Options.ShardKey"
}

// resolvePerm sets the permission bits of the files the map creates: perm,
// Options.Map.FilePerm, unless 0; else those of the manifest where there
// is one, with read and write for the owner (which the map's files must
// have for it to open them), else mmap.DefaultFilePerm.
func (m *Map[K, V]) resolvePerm(perm os.FileMode) {
	m.perm = perm
	if perm != 0 {
		return
	}
	m.perm = mmap.DefaultFilePerm
	if mperm, err := mmap.PermOf(m.path(manifestFile)); err == nil {
		m.perm = mperm | 0o600
	}
}

// takeLock opens the directory's lock file and locks it: exclusively to
// write, shared to read. Opening to write creates the directory.
func (m *Map[K, V]) takeLock(readOnly bool, timeout time.Duration) error {
	flag := os.O_RDONLY | os.O_CREATE
	if !readOnly {
		if err := os.MkdirAll(m.dir, mmap.DirPerm(m.perm)); err != nil {
			return fmt.Errorf("concurrent: creating %s: %w", m.dir, mmap.Cause(err))
		}
		flag = os.O_RDWR | os.O_CREATE
	}
	f, err := m.files.OpenFile(m.path(lockFile), flag, m.perm)
	if err != nil {
		return fmt.Errorf("concurrent: opening %s: %w", m.path(lockFile), err)
	}
	if err := mmap.LockWait(f, !readOnly, timeout); err != nil {
		defer func() { _ = f.Close() }() // it holds no lock: nothing is lost
		if errors.Is(err, mmap.ErrLocked) {
			writer, pid := mmap.Holder(f)
			return &diskmap.LockedError{Dir: m.dir, Writer: writer, PID: pid}
		}
		return fmt.Errorf("concurrent: locking %s: %w", m.path(lockFile), err)
	}
	m.lock = f
	return nil
}

// openShards opens every shard's map, creating those that do not exist
// (only while the map is being created), and appends the directories it
// created to made.
func (m *Map[K, V]) openShards(kc codec.Codec[K], vc codec.Codec[V], so diskmap.Options, made *[]string) error {
	for i := range m.shards {
		dir := m.shardDir(i)
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			*made = append(*made, dir)
		}
		s := &m.shards[i]
		o := so
		batchkeys.Set(&o, m.batchCheck(s, i))
		d, err := diskmap.OpenWith(dir, kc, vc, &o)
		if err != nil {
			return err
		}
		s.m, s.num = d, i
		s.count.Store(int64(d.Len()))
	}
	return nil
}

// closeShards closes the shards opened so far, after a failed Open.
func (m *Map[K, V]) closeShards() error {
	var errs []error
	for i := range m.shards {
		if s := &m.shards[i]; s.m != nil {
			errs = append(errs, s.m.Close())
			s.m = nil
		}
	}
	m.shards = nil
	return errors.Join(errs...)
}

// checkShards checks, before any shard is opened, that each shard
// directory holds the map the manifest records for it: its buckets header
// has the recorded shard seed. If some shard was not closed cleanly, it
// then checks every shard's files as a read-only Open does, so that damage
// in one is found before the recovery of another writes anything.
func (m *Map[K, V]) checkShards(mf *layout.Manifest, kc codec.Codec[K], vc codec.Codec[V], so diskmap.Options) error {
	dirty := false
	for i, want := range mf.Shards {
		dir := m.shardDir(i)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return &diskmap.CorruptError{File: dir, Field: "shard directory",
				Expected: fmt.Sprintf("shard %d of %s", i, m.path(manifestFile)), Found: "no directory"}
		}
		h, cur, err := readShardHeader(m.files, filepath.Join(dir, bucketsFile))
		if err != nil {
			return err
		}
		if h.Seed != want {
			return &diskmap.CorruptError{File: filepath.Join(dir, bucketsFile), Offset: layout.SeedOffset(cur), Field: "shard seed",
				Expected: fmt.Sprintf("%s, as %s records for shard %d", hexa(want), m.path(manifestFile), i), Found: hexa(h.Seed)}
		}
		dirty = dirty || h.Dirty()
	}
	if !dirty {
		return nil
	}
	if err := m.probeShards(len(mf.Shards), kc, vc, so); err != nil {
		return err
	}
	if so.ReadOnly {
		return fmt.Errorf("%s was not closed cleanly; open it for writing once to recover it: %w", m.dir, diskmap.ErrReadOnly)
	}
	return nil
}

// probeShards opens each of the n shards read-only, which checks its files
// and writes nothing, and closes it again. A shard cut short in the middle
// of a compaction is left to the Open that finishes it.
func (m *Map[K, V]) probeShards(n int, kc codec.Codec[K], vc codec.Codec[V], so diskmap.Options) error {
	so.ReadOnly = true
	for i := range n {
		dir := m.shardDir(i)
		if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.compact")); len(leftovers) > 0 {
			continue
		}
		d, err := diskmap.OpenWith(dir, kc, vc, &so)
		switch {
		case err == nil:
			if err := d.Close(); err != nil {
				return err
			}
		case !errors.Is(err, diskmap.ErrReadOnly):
			return err
		}
	}
	return nil
}

// readShardHeader returns the header of the buckets file at path, opened
// through files, and which header copy it was read from (see
// layout.ReadMeta).
func readShardHeader(files mmap.FS, path string) (layout.Header, int, error) {
	f, err := files.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return layout.Header{}, 0, &diskmap.CorruptError{File: path, Field: "file", Expected: "the buckets file of a shard", Found: "no file"}
	}
	if err != nil {
		return layout.Header{}, 0, fmt.Errorf("concurrent: opening %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // read only: closing loses nothing
	meta := make([]byte, layout.MetaSize)
	n, err := io.ReadFull(f, meta)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return layout.Header{}, 0, fmt.Errorf("concurrent: reading %s: %w", path, mmap.Cause(err))
	}
	h, cur, err := layout.ReadMeta(meta[:n])
	if err != nil {
		return layout.Header{}, 0, format.At(err, path, 0)
	}
	return h, cur, nil
}

// startCreate begins a new map in a directory without a manifest: it checks
// that the directory holds no shards and no diskmap.Map, and writes a
// manifest marked as creating, with a new shard hash seed, and marked as
// sharding by a shard key if shardKey.
func (m *Map[K, V]) startCreate(keyCodec, valueCodec string, shards int, shardKey bool) (layout.Manifest, error) {
	if err := m.checkEmpty(); err != nil {
		return layout.Manifest{}, err
	}
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return layout.Manifest{}, fmt.Errorf("concurrent: creating %s: %w", m.dir, err)
	}
	flags := uint32(layout.ManifestFlagCreating)
	if shardKey {
		flags |= layout.ManifestFlagShardKey
	}
	mf := layout.Manifest{
		Flags:      flags,
		Seed:       binary.LittleEndian.Uint64(seed[:]),
		KeyCodec:   keyCodec,
		ValueCodec: valueCodec,
		Shards:     make([]uint64, shards),
	}
	return mf, writeManifest(m.files, m.path(manifestFile), m.perm, &mf)
}

// checkEmpty refuses to create a map over shard directories that lost
// their manifest, or over a diskmap.Map.
func (m *Map[K, V]) checkEmpty() error {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return fmt.Errorf("concurrent: reading %s: %w", m.dir, mmap.Cause(err))
	}
	for _, e := range entries {
		switch {
		case e.Name() == bucketsFile:
			return &diskmap.CorruptError{File: m.path(manifestFile), Field: "file",
				Expected: "a manifest", Found: "none, and a diskmap.Map in the directory"}
		case strings.HasPrefix(e.Name(), shardPrefix):
			return &diskmap.CorruptError{File: m.path(manifestFile), Field: "file",
				Expected: "a manifest beside " + e.Name(), Found: "none"}
		}
	}
	return nil
}

// finishCreate completes a map's creation once all its shards are open:
// each must be empty (no Open of the map has returned yet), and the
// manifest is written again with their seeds and without the creating
// flag.
func (m *Map[K, V]) finishCreate(mf *layout.Manifest) error {
	for i := range m.shards {
		if n := m.shards[i].m.Len(); n != 0 {
			return &diskmap.CorruptError{File: m.shardDir(i), Field: "key count",
				Expected: fmt.Sprintf("0 in a map %s marks as being created", m.path(manifestFile)), Found: n}
		}
		h, _, err := readShardHeader(m.files, filepath.Join(m.shardDir(i), bucketsFile))
		if err != nil {
			return err
		}
		mf.Shards[i] = h.Seed
	}
	mf.Flags &^= layout.ManifestFlagCreating
	return writeManifest(m.files, m.path(manifestFile), m.perm, mf)
}
