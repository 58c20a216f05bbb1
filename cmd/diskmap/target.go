package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/layout"
)

// The files that mark a directory as a map: a diskmap.Map's table, and a
// concurrent.Map's manifest (see package layout).
const (
	bucketsFile  = "buckets"
	manifestFile = "manifest"
	shardPrefix  = "shard-" // a concurrent.Map's shard i lives in shard-%04d
)

// store is what the tool calls on a map: the methods diskmap.Map and
// concurrent.Map share, for keys and values of type any.
type store interface {
	Get(k any) (any, bool, error)
	Put(k, v any) error
	PutTTL(k, v any, ttl time.Duration) error
	TTL(k any) (time.Duration, bool, error)
	Delete(k any) (bool, error)
	All() iter.Seq2[any, any]
	Keys() iter.Seq[any]
	Err() error
	Len() int
	Check() error
	Compact() error
	Backup(dir string) error
	Export(w io.Writer) (int64, error)
	Import(r io.Reader) (int, error)
	Close() error
}

var (
	_ store = (*diskmap.Map[any, any])(nil)
	_ store = (*concurrent.Map[any, any])(nil)
)

// A target is an open map: a diskmap.Map, or a concurrent.Map when its
// directory holds a manifest, with the forms of the codecs it names.
type target struct {
	store
	dir     string
	sharded bool // a concurrent.Map
	names   codecNames
	keys    form
	values  form
	now     time.Time // the map's clock, which stands still while the tool runs
	stats   func() (diskmap.Stats, []diskmap.Stats)
}

// codecNames are the names of a map's codecs, as its header or manifest
// records them.
type codecNames struct{ key, value string }

// kind returns which of the two kinds of map t is.
func (t *target) kind() string {
	if t.sharded {
		return "concurrent.Map"
	}
	return "diskmap.Map"
}

// errNoMap is returned when a directory holds no map.
var errNoMap = errors.New("no map here (no buckets or manifest file)")

// openOptions says how to open a map.
type openOptions struct {
	readOnly bool
	// create, when not nil, names the codecs of a map to create if dir
	// holds none, with shards shards (0: a diskmap.Map).
	create *codecNames
	shards int
	// perm, if not 0, is the Options.FilePerm of a map created (one that
	// exists keeps its files' permissions, and gives them to the files it
	// creates later).
	perm os.FileMode

	// wait, logger and progress are the map's Options.LockTimeout, Logger
	// and Progress.
	wait     time.Duration
	logger   *slog.Logger
	progress func(diskmap.Progress)
}

// open opens the map in dir as o says, with the call's -wait, its log if
// -v asks for it, and its meter on a terminal.
func (c *call) open(dir string, o openOptions) (*target, error) {
	o.wait = c.wait
	if c.verbose {
		o.logger = slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		c.meter = newMeter(c.stderr, c.progress)
		o.progress = c.meter.progressFunc()
	}
	t, err := openTarget(dir, o)
	if err != nil {
		c.meter.finish()
		return nil, err
	}
	_, shards := t.stats()
	c.meter.setShards(len(shards))
	return t, nil
}

// openTarget opens the map in dir.
func openTarget(dir string, o openOptions) (*target, error) {
	names, sharded, err := readNames(dir)
	switch {
	case errors.Is(err, errNoMap) && o.create != nil:
		names, sharded = *o.create, o.shards > 0
	case err != nil:
		return nil, err
	case o.create != nil && *o.create != names:
		return nil, fmt.Errorf("%s: the map's codecs are %s and %s, not %s and %s",
			dir, names.key, names.value, o.create.key, o.create.value)
	}
	t := &target{dir: dir, sharded: sharded, names: names, now: time.Now().Round(0)}
	creating := errors.Is(err, errNoMap)
	if !creating {
		o.perm = 0
	}
	if t.keys, err = formOf(dir, "key", names.key, creating); err != nil {
		return nil, err
	}
	if t.values, err = formOf(dir, "value", names.value, creating); err != nil {
		return nil, err
	}
	if err := t.open(o); err != nil {
		return nil, explainOpen(dir, o, err)
	}
	return t, nil
}

// formOf returns the form of a map's codec of the name given, for its
// keys or values (what). A name the tool does not know is an error for a
// map it is to create, and otherwise an opaque form: the verbs that need
// no values (stats, check, compact, recover) work on the map all the same.
func formOf(dir, what, name string, creating bool) (form, error) {
	f, err := formFor(name)
	if err != nil {
		err = fmt.Errorf("%s: %s %w", dir, what, err)
		if creating {
			return nil, err
		}
		return opaqueForm{err}, nil
	}
	return f, nil
}

// need returns the error of the codecs of a map that the tool does not
// know, if keys or values need it.
func (t *target) need(keys, values bool) error {
	if f, ok := t.keys.(opaqueForm); ok && keys {
		return f.err
	}
	if f, ok := t.values.(opaqueForm); ok && values {
		return f.err
	}
	return nil
}

// open opens the map with the codecs of t's forms.
func (t *target) open(o openOptions) error {
	kc, vc := t.keys.codec(t.names.key), t.values.codec(t.names.value)
	mo := diskmap.Options{
		ReadOnly: o.readOnly, Clock: func() time.Time { return t.now },
		LockTimeout: o.wait, Logger: o.logger, Progress: o.progress, FilePerm: o.perm,
	}
	if !t.sharded {
		m, err := diskmap.OpenWith(t.dir, kc, vc, &mo)
		if err != nil {
			return err
		}
		t.store = m
		t.stats = func() (diskmap.Stats, []diskmap.Stats) { return m.Stats(), nil }
		return nil
	}
	m, err := concurrent.OpenWith(t.dir, kc, vc, &concurrent.Options{Shards: o.shards, Map: mo})
	if err != nil {
		return err
	}
	t.store = m
	t.stats = func() (diskmap.Stats, []diskmap.Stats) {
		st := m.Stats()
		return st.Stats, st.Shards
	}
	return nil
}

// filePerm returns the permission bits of the map's files: those of its
// manifest or buckets file, or where they cannot be read, 0o600.
func (t *target) filePerm() os.FileMode {
	name := bucketsFile
	if t.sharded {
		name = manifestFile
	}
	info, err := os.Stat(filepath.Join(t.dir, name))
	if err != nil {
		return 0o600
	}
	return info.Mode().Perm()
}

// readNames reads the codec names of the map in dir from its manifest, if
// it has one (a concurrent.Map), or else from its buckets header.
func readNames(dir string) (codecNames, bool, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return codecNames{}, false, fmt.Errorf("%s: %w", dir, errNoMap)
		}
		return codecNames{}, false, err
	}
	mf, err := readManifest(filepath.Join(dir, manifestFile))
	if err == nil {
		return codecNames{mf.KeyCodec, mf.ValueCodec}, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return codecNames{}, false, err
	}
	h, err := readHeader(filepath.Join(dir, bucketsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return codecNames{}, false, fmt.Errorf("%s: %w", dir, errNoMap)
	}
	return codecNames{h.KeyCodec, h.ValueCodec}, false, err
}

// readManifest reads and decodes a concurrent.Map's manifest.
func readManifest(path string) (layout.Manifest, error) {
	b, err := readSome(path, layout.MaxManifestSize+1)
	if err != nil {
		return layout.Manifest{}, err
	}
	mf, err := layout.DecodeManifest(b)
	return mf, named(path, err)
}

// readHeader reads the current header of a buckets file.
func readHeader(path string) (layout.Header, error) {
	b, err := readSome(path, layout.MetaSize)
	if err != nil {
		return layout.Header{}, err
	}
	h, _, err := layout.ReadMeta(b)
	return h, named(path, err)
}

// readSome reads at most n bytes from the start of the file at path.
func readSome(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only: closing loses nothing
	return io.ReadAll(io.LimitReader(f, n))
}

// named fills in the file of an error of package layout, which leaves it
// to its caller.
func named(path string, err error) error {
	var ce *layout.CorruptError
	var ve *layout.VersionError
	switch {
	case errors.As(err, &ce) && ce.File == "":
		ce.File = path
	case errors.As(err, &ve) && ve.File == "":
		ve.File = path
	}
	return err
}

// explainOpen turns an error of Open that has a plain remedy into one
// line that gives it.
func explainOpen(dir string, o openOptions, err error) error {
	var le *diskmap.LockedError
	switch {
	case errors.As(err, &le):
		return fmt.Errorf("%s: the map is in use: %s (%s)", dir, holder(le), waitNote(o.wait))
	case errors.Is(err, diskmap.ErrLocked) && o.readOnly:
		return fmt.Errorf("%s: the map is in use: another process has it open for writing (%s)", dir, waitNote(o.wait))
	case errors.Is(err, diskmap.ErrLocked):
		return fmt.Errorf("%s: the map is in use: another process has it open (%s)", dir, waitNote(o.wait))
	case errors.Is(err, diskmap.ErrReadOnly) && o.readOnly:
		return fmt.Errorf("%s: the map was not closed cleanly; diskmap recover %s repairs it", dir, dir)
	}
	return err
}

// waitNote says how long the Open waited for a map in use, or that -wait
// makes it wait.
func waitNote(wait time.Duration) string {
	if wait > 0 {
		return fmt.Sprintf("waited %v", wait)
	}
	return "-wait DURATION waits for it"
}

// holder says who holds a map that le found in use, as its lock file
// tells: a writer, by its process id where it wrote one, or readers.
func holder(le *diskmap.LockedError) string {
	switch {
	case !le.Writer:
		return "other processes have it open for reading"
	case le.PID != 0:
		return fmt.Sprintf("process %d has it open for writing", le.PID)
	}
	return "another process has it open for writing"
}

// expires returns when a key that has ttl left expires, by the map's clock.
func (t *target) expires(ttl time.Duration) time.Time { return t.now.Add(ttl) }

// ttl returns how long from now, by the map's clock, a key that expires
// at expires has left.
func (t *target) ttl(expires time.Time) time.Duration { return expires.Sub(t.now) }

// close closes the map, joining its error to err.
func (t *target) close(err error) error {
	return errors.Join(err, t.Close())
}
