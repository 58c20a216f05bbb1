package diskmap

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/format"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// Names of the files in a map directory.
const (
	lockFile    = "lock"
	bucketsFile = "buckets"
	keysFile    = "keys"
	valuesFile  = "values"
	growSuffix  = ".grow"
	nextFile    = "buckets.next"
	spareFile   = "buckets.spare"
	compactExt  = ".compact"
	walFile     = "wal"

	// Names in the directory of a concurrent.Map, which Open refuses.
	manifestFile = "manifest"
	firstShard   = "shard-0000"
)

func (c *core) path(name string) string { return filepath.Join(c.dir, name) }

// rename renames the file from of the directory to to.
func (c *core) rename(from, to string) error {
	if err := c.opts.files.Rename(c.path(from), c.path(to)); err != nil {
		return fmt.Errorf("diskmap: renaming %s to %s: %w", c.path(from), to, err)
	}
	return nil
}

// syncDir makes the names of the files in the directory durable.
func (c *core) syncDir() error {
	if err := c.opts.files.SyncDir(c.dir); err != nil {
		return fmt.Errorf("diskmap: syncing %s: %w", c.dir, err)
	}
	return nil
}

// open locks the directory and opens the map in it, creating it if there is
// none. On failure everything opened so far is closed again.
func (c *core) open(keyCodec, valueCodec string) (err error) {
	c.setAutoCompact()
	if err := c.checkDir(); err != nil {
		return err
	}
	c.resolvePerm()
	if !c.readOnly {
		if err := os.MkdirAll(c.dir, mmap.DirPerm(c.opts.FilePerm)); err != nil {
			return fmt.Errorf("diskmap: creating %s: %w", c.dir, mmap.Cause(err))
		}
	}
	if err := c.takeLock(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = c.closeFiles(false)
		}
	}()
	if _, err := os.Stat(c.path(bucketsFile)); errors.Is(err, fs.ErrNotExist) && !c.readOnly {
		if err := c.checkNoArenas(); err != nil {
			return err
		}
		if err := c.create(keyCodec, valueCodec); err != nil {
			return err
		}
		if err := c.holdSpare(); err != nil {
			return err
		}
		return c.openLog()
	}
	if !c.readOnly {
		if err := c.finishCompaction(); err != nil {
			return err
		}
	} else if c.compactionCommitted() {
		return fmt.Errorf("%s was cut short in the middle of a compaction; open it for writing once to finish it: %w", c.dir, ErrReadOnly)
	}
	if err := c.openFiles(); err != nil {
		return err
	}
	if !codec.Compatible(c.hdr.KeyCodec, keyCodec) || !codec.Compatible(c.hdr.ValueCodec, valueCodec) {
		return fmt.Errorf("%s holds %s keys and %s values, opened with %s and %s: %w",
			c.dir, c.hdr.KeyCodec, c.hdr.ValueCodec, keyCodec, valueCodec, ErrCodecMismatch)
	}
	switch {
	case c.hdr.Dirty() && c.readOnly:
		return fmt.Errorf("%s was not closed cleanly; open it for writing once to recover it: %w", c.dir, ErrReadOnly)
	case c.hdr.Dirty():
		if err := c.recover(); err != nil {
			return err
		}
	case !c.readOnly:
		// A map closed cleanly grows into no table: one there is left
		// from a compaction that replaced the table it grew from.
		if err := c.removeNext(); err != nil {
			return err
		}
	}
	if err := c.holdSpare(); err != nil {
		return err
	}
	return c.openLog()
}

// checkDir refuses, before anything is created or locked, a directory
// that holds a concurrent.Map, and a read-only Open of a directory that
// holds no map.
func (c *core) checkDir() error {
	for _, name := range []string{manifestFile, firstShard} {
		if _, err := os.Lstat(c.path(name)); err == nil {
			return fmt.Errorf("%s holds a concurrent.Map; open it with concurrent.Open: %w", c.dir,
				&CorruptError{File: c.path(name), Field: "file", Expected: "none in a diskmap.Map", Found: "the " + name + " of a concurrent.Map"})
		}
	}
	if _, err := os.Stat(c.path(bucketsFile)); c.readOnly && errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("diskmap: no map in %s to open read-only: %w", c.dir, fs.ErrNotExist)
	}
	return nil
}

// resolvePerm fills in Options.FilePerm left at 0: the permissions of the
// map's buckets file where it has one, else of the first of its lock,
// keys and values files that it has (a map whose creation a crash cut
// short has them before its buckets file), with read and write for the
// owner (which its files must have for the map to open them); else
// mmap.DefaultFilePerm.
func (c *core) resolvePerm() {
	if c.opts.FilePerm != 0 {
		return
	}
	c.opts.FilePerm = mmap.DefaultFilePerm
	for _, name := range []string{bucketsFile, lockFile, keysFile, valuesFile} {
		if perm, err := mmap.PermOf(c.path(name)); err == nil {
			c.opts.FilePerm = perm | 0o600
			return
		}
	}
}

// takeLock opens the lock file and locks it: exclusively to write, shared
// to read.
func (c *core) takeLock() error {
	flag := os.O_RDWR | os.O_CREATE
	if c.readOnly {
		flag = os.O_RDONLY
	}
	f, err := c.opts.files.OpenFile(c.path(lockFile), flag, c.opts.FilePerm)
	if c.readOnly && errors.Is(err, fs.ErrNotExist) {
		f, err = c.opts.files.OpenFile(c.path(lockFile), os.O_RDONLY|os.O_CREATE, c.opts.FilePerm)
	}
	if err != nil {
		return fmt.Errorf("diskmap: opening %s: %w", c.path(lockFile), err)
	}
	if err := mmap.LockWait(f, !c.readOnly, c.opts.LockTimeout); err != nil {
		defer func() { _ = f.Close() }() // it holds no lock: nothing is lost
		if errors.Is(err, mmap.ErrLocked) {
			writer, pid := mmap.Holder(f)
			return &LockedError{Dir: c.dir, Writer: writer, PID: pid}
		}
		return fmt.Errorf("diskmap: locking %s: %w", c.path(lockFile), err)
	}
	c.lock = f
	return nil
}

// openFiles opens the table and both arenas and checks that they belong
// together.
func (c *core) openFiles() error {
	w := !c.readOnly
	t, h, cur, err := openTable(c.opts.files, c.path(bucketsFile), c.tableMode())
	if err != nil {
		return err
	}
	c.tab, c.hdr, c.cur = t, h, cur
	c.tableChanged()
	c.hasher = format.NewHasher(h.Seed)
	if c.keys, err = openArena(c.opts.files, c.path(keysFile), layout.KeysMagic, h.Generation, w, &c.keySpace); err != nil {
		return arenaOpenError(c.path(keysFile), err)
	}
	if c.vals, err = openArena(c.opts.files, c.path(valuesFile), layout.ValuesMagic, h.Generation, w, &c.valSpace); err != nil {
		return arenaOpenError(c.path(valuesFile), err)
	}
	c.keys.end, c.keys.live = int64(h.KeysEnd), int64(h.KeysLive)
	c.vals.end, c.vals.live = int64(h.ValuesEnd), int64(h.ValuesLive)
	c.twins.reset(c.vals.end, t.mode == mmap.ReadWrite) // new files, or new mappings of them
	c.keys.bg, c.vals.bg = &c.bg, &c.bg
	for _, a := range []*arena{c.keys, c.vals} {
		if a.end > a.size {
			return &CorruptError{File: a.path, Field: "arena size", Expected: fmt.Sprintf("at least %d bytes", a.end), Found: a.size}
		}
	}
	return nil
}

// arenaOpenError reports a missing arena beside an existing buckets file as
// corruption: the map is not whole.
func arenaOpenError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &CorruptError{File: path, Field: "file", Expected: "an arena beside buckets", Found: "no file"}
	}
	return err
}

// create makes a new, empty map in the directory: the arenas first, the
// buckets file last, built aside and renamed, so that buckets exists only
// when the map is whole.
func (c *core) create(keyCodec, valueCodec string) error {
	var seed [16]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return fmt.Errorf("diskmap: creating %s: %w", c.dir, err)
	}
	c.hdr = layout.Header{
		Version:    layout.Version,
		Seed:       binary.LittleEndian.Uint64(seed[:8]),
		Generation: binary.LittleEndian.Uint64(seed[8:]),
		Log2:       log2For(c.opts.Capacity, c.opts.MaxLoad),
		KeysEnd:    layout.ArenaHeaderSize,
		ValuesEnd:  layout.ArenaHeaderSize,
		KeyCodec:   keyCodec,
		ValueCodec: valueCodec,
	}
	c.hasher = format.NewHasher(c.hdr.Seed)
	var err error
	if c.keys, err = createArena(c.opts.files, c.path(keysFile), c.opts.FilePerm, layout.KeysMagic, c.hdr.Generation, c.opts.KeyBytes, &c.keySpace); err != nil {
		return err
	}
	if c.vals, err = createArena(c.opts.files, c.path(valuesFile), c.opts.FilePerm, layout.ValuesMagic, c.hdr.Generation, c.opts.ValueBytes, &c.valSpace); err != nil {
		return err
	}
	c.keys.bg, c.vals.bg = &c.bg, &c.bg
	t, err := createTable(c.opts.files, c.path(bucketsFile+growSuffix), c.opts.FilePerm, c.hdr.Log2)
	if err != nil {
		return err
	}
	if err := c.installTable(t, &c.hdr); err != nil {
		return err
	}
	c.twins.reset(c.vals.end, c.tab.mode == mmap.ReadWrite)
	return nil
}

// checkNoArenas refuses to create a map over arenas that hold records, or
// over a log or a spare table that holds anything: a directory with keys
// or values but no buckets is either a creation cut short, which left
// empty arenas, or not ours to overwrite; a log and a spare are created
// only after buckets, so one without it is never ours.
func (c *core) checkNoArenas() error {
	for _, name := range []string{walFile, spareFile} {
		if err := c.checkNoData(name); err != nil {
			return err
		}
	}
	for _, a := range []struct {
		name  string
		magic [8]byte
	}{{keysFile, layout.KeysMagic}, {valuesFile, layout.ValuesMagic}} {
		b, err := mmap.ReadFile(c.opts.files, c.path(a.name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("diskmap: reading %s: %w", c.path(a.name), err)
		}
		if !bytes.ContainsFunc(b, func(r rune) bool { return r != 0 }) {
			continue // created, not yet written: a creation cut short
		}
		if _, err := layout.DecodeArenaHeader(b, a.magic); err != nil {
			return fmt.Errorf("%s has no buckets file and %s is not an empty arena: %w",
				c.dir, a.name, format.At(err, c.path(a.name), 0))
		}
		if end := format.ScanEnd(b, layout.ArenaHeaderSize); end != layout.ArenaHeaderSize {
			return &CorruptError{File: c.path(bucketsFile), Field: "file", Expected: "a buckets file beside a non-empty " + a.name, Found: "none"}
		}
	}
	return nil
}

// checkNoData refuses a file of the directory that holds anything but
// zeros, where the map has no file of that name yet.
func (c *core) checkNoData(name string) error {
	b, err := mmap.ReadFile(c.opts.files, c.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("diskmap: reading %s: %w", c.path(name), err)
	}
	if i := bytes.IndexFunc(b, func(r rune) bool { return r != 0 }); i >= 0 {
		return &CorruptError{File: c.path(name), Offset: int64(i), Field: "file",
			Expected: "no data in a directory without a buckets file", Found: fmt.Sprintf("a file of %d bytes", len(b))}
	}
	return nil
}
