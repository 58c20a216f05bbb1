package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// requireOnePrefix fails unless each line of err's message (a joined error
// has one line for each error it joins) says "diskmap: " exactly once.
func requireOnePrefix(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	t.Logf("%s: %v", what, err)
	for _, line := range strings.Split(err.Error(), "\n") {
		if n := strings.Count(line, "diskmap: "); n != 1 {
			t.Errorf("%s: %q says \"diskmap: \" %d times, want once", what, line, n)
		}
	}
}

// mustOpen opens a map of strings in dir for a case of the error tests.
func mustOpen(t *testing.T, dir string, opts *diskmap.Options) *diskmap.StringStringMap {
	t.Helper()
	m, err := diskmap.Open[string, string](dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// closedMapDir returns a directory holding a map of a few keys, closed.
func closedMapDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	m := mustOpen(t, dir, nil)
	for i := range 10 {
		if err := m.Put(fmt.Sprint("k", i), strings.Repeat("v", 100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// flipByte changes one byte of the file name in dir at off.
func flipByte(t *testing.T, dir, name string, off int64) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// dirtyMapDir returns a directory holding a map left not closed cleanly:
// a batch failed half applied, and Close released it as it was.
func dirtyMapDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	m := mustOpen(t, dir, nil)
	diskmap.SetFailpoint(m, func(name string) error { return errors.New(name + " stopped") })
	err := m.Batch(func(b *diskmap.Batch[string, string]) error {
		return errors.Join(b.Put("a", "1"), b.Put("b", "2"))
	})
	if err == nil {
		t.Fatal("the batch did not fail")
	}
	if err := m.Close(); err == nil {
		t.Fatal("Close of a failed map returned nil")
	}
	return dir
}

// Each error the package returns names it once, however many steps wrap
// it: the sentinel, or the first wrap of an error from outside, says
// "diskmap: "; the wraps around it name the operation and the file.
func TestErrorsNameThePackageOnce(t *testing.T) {
	cases := []struct {
		name string
		err  func(t *testing.T) error
	}{
		{"locked", func(t *testing.T) error {
			dir := t.TempDir()
			m := mustOpen(t, dir, nil)
			defer func() { _ = m.Close() }()
			_, err := diskmap.Open[string, string](dir, nil)
			return err
		}},
		{"locked read-only", func(t *testing.T) error {
			dir := closedMapDir(t)
			m := mustOpen(t, dir, nil)
			defer func() { _ = m.Close() }()
			_, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
			return err
		}},
		{"stale entry", func(t *testing.T) error {
			m := mustOpen(t, t.TempDir(), nil)
			defer func() { _ = m.Close() }()
			e := m.Entry("k1")
			if err := m.Put("k2", "v"); err != nil {
				t.Fatal(err)
			}
			return e.Set("v")
		}},
		{"stale iteration", func(t *testing.T) error {
			m := mustOpen(t, closedMapDir(t), nil)
			defer func() { _ = m.Close() }()
			compacted := false
			for range m.Keys() {
				if !compacted {
					if err := m.Compact(); err != nil {
						t.Fatal(err)
					}
					compacted = true
				}
			}
			return m.Err()
		}},
		{"closed", func(t *testing.T) error {
			m := mustOpen(t, t.TempDir(), nil)
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			_, _, err := m.Get("k")
			return errors.Join(err, m.Put("k", "v"), m.Close())
		}},
		{"corrupt header", func(t *testing.T) error {
			dir := closedMapDir(t)
			flipByte(t, dir, "buckets", 0)
			flipByte(t, dir, "buckets", layout.HeaderCopyOffset)
			_, err := diskmap.Open[string, string](dir, nil)
			return err
		}},
		{"corrupt arena header", func(t *testing.T) error {
			dir := closedMapDir(t)
			flipByte(t, dir, "keys", 0)
			_, err := diskmap.Open[string, string](dir, nil)
			return err
		}},
		{"missing arena", func(t *testing.T) error {
			dir := closedMapDir(t)
			if err := os.Remove(filepath.Join(dir, "values")); err != nil {
				t.Fatal(err)
			}
			_, err := diskmap.Open[string, string](dir, nil)
			return err
		}},
		{"arenas without buckets", func(t *testing.T) error {
			dir := closedMapDir(t)
			if err := os.Remove(filepath.Join(dir, "buckets")); err != nil {
				t.Fatal(err)
			}
			flipByte(t, dir, "keys", 0)
			_, err := diskmap.Open[string, string](dir, nil)
			return err
		}},
		{"corrupt record", func(t *testing.T) error {
			dir := closedMapDir(t)
			flipByte(t, dir, "values", layout.ArenaHeaderSize+layout.RecordHeaderSize)
			m := mustOpen(t, dir, nil)
			defer func() { _ = m.Close() }()
			return m.Check()
		}},
		{"key too large", func(t *testing.T) error {
			m := mustOpen(t, t.TempDir(), nil)
			defer func() { _ = m.Close() }()
			return m.Put(strings.Repeat("k", layout.MaxKeyLen+1), "v")
		}},
		{"arena too large", func(t *testing.T) error {
			defer diskmap.SetArenaLimit(1 << 20)()
			m := mustOpen(t, t.TempDir(), nil)
			defer func() { _ = m.Close() }()
			v := strings.Repeat("v", 1<<18)
			for i := range 10 {
				if err := m.Put(fmt.Sprint(i), v); err != nil {
					return err
				}
			}
			return nil
		}},
		{"table too large", func(t *testing.T) error {
			defer diskmap.SetTableLimit(5)()
			m := mustOpen(t, t.TempDir(), &diskmap.Options{Capacity: 8})
			defer func() { _ = m.Close() }()
			for i := range 100 {
				if err := m.Put(fmt.Sprint(i), "v"); err != nil {
					return err
				}
			}
			return nil
		}},
		{"capacity too large", func(t *testing.T) error {
			defer diskmap.SetTableLimit(5)()
			m, err := diskmap.Open[string, string](t.TempDir(), &diskmap.Options{Capacity: 1000})
			if err == nil {
				_ = m.Close()
			}
			return err
		}},
		{"read-only write", func(t *testing.T) error {
			m := mustOpen(t, closedMapDir(t), &diskmap.Options{ReadOnly: true})
			defer func() { _ = m.Close() }()
			return m.Put("k", "v")
		}},
		{"read-only open of no map", func(t *testing.T) error {
			_, err := diskmap.Open[string, string](t.TempDir(), &diskmap.Options{ReadOnly: true})
			return err
		}},
		{"open of a concurrent map", func(t *testing.T) error {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "manifest"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := diskmap.Open[string, string](dir, nil)
			return err
		}},
		{"read-only open of a dirty map", func(t *testing.T) error {
			_, err := diskmap.Open[string, string](dirtyMapDir(t), &diskmap.Options{ReadOnly: true})
			return err
		}},
		{"batch cut short", func(t *testing.T) error {
			m := mustOpen(t, t.TempDir(), nil)
			defer func() { _ = m.Close() }()
			diskmap.SetFailpoint(m, func(name string) error { return errors.New(name + " stopped") })
			return m.Batch(func(b *diskmap.Batch[string, string]) error { return b.Put("a", "1") })
		}},
		{"time to live not positive", func(t *testing.T) error {
			m := mustOpen(t, t.TempDir(), nil)
			defer func() { _ = m.Close() }()
			return errors.Join(m.PutTTL("k", "v", 0), m.Entry("k").SetTTL("v", -1),
				m.Batch(func(b *diskmap.Batch[string, string]) error { return b.PutTTL("k", "v", 0) }))
		}},
		{"read-only RemoveExpired", func(t *testing.T) error {
			m := mustOpen(t, closedMapDir(t), &diskmap.Options{ReadOnly: true})
			defer func() { _ = m.Close() }()
			_, err := m.RemoveExpired()
			return err
		}},
		{"expiry of a record too short", func(t *testing.T) error {
			dir := t.TempDir()
			m := mustOpen(t, dir, nil)
			if err := m.Put("k", "abc"); err != nil {
				t.Fatal(err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			maptest.EditFile(t, dir, "buckets", func(b []byte) []byte {
				for off := layout.MetaSize; off < len(b); off += layout.SlotSize {
					if layout.ReadSlot(b[off:]).Occupied() {
						b[off+15] |= 0x80 // layout.SlotExpires
					}
				}
				return b
			})
			m = mustOpen(t, dir, nil)
			defer func() { _ = m.Close() }()
			_, _, err := m.TTL("k")
			return errors.Join(err, m.Check())
		}},
		{"codec mismatch", func(t *testing.T) error {
			_, err := diskmap.Open[uint64, string](closedMapDir(t), nil)
			return err
		}},
		{"undecodable value", func(t *testing.T) error {
			m, err := diskmap.OpenWith[string, string](t.TempDir(), codec.String{}, refusing{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = m.Close() }()
			if err := m.Put("k", "v"); err != nil {
				t.Fatal(err)
			}
			_, _, err = m.Get("k")
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireOnePrefix(t, c.name, c.err(t))
		})
	}
}

// refusing encodes strings as they are and decodes none of them.
type refusing struct{}

func (refusing) Append(dst []byte, v string) ([]byte, error) { return append(dst, v...), nil }
func (refusing) Decode([]byte) (string, error)               { return "", errors.New("refused") }
func (refusing) Name() string                                { return "refusing" }

// Errors of the file system, from whichever operation fails, come back
// with the prefix once and naming the map's directory.
func TestFileErrorsNameThePackageOnce(t *testing.T) {
	for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL} {
		t.Run(d.String(), func(t *testing.T) {
			fs := &countingFS{FS: mmap.OS{}}
			fileScript(t, t.TempDir(), d, fs)
			calls := fs.calls
			for at := 1; at <= calls; at++ {
				fs.calls, fs.failAt = 0, at
				dir := t.TempDir()
				for _, err := range fileScript(t, dir, d, fs) {
					what := fmt.Sprintf("%s failing", fs.failed)
					requireOnePrefix(t, what, err)
					if !strings.Contains(err.Error(), dir) {
						t.Errorf("%s: %v does not name %s", what, err, dir)
					}
					requireNamedOnce(t, what, err, dir)
				}
			}
		})
	}
}

// requireNamedOnce fails unless each line of err's message names each
// file of dir at most once.
func requireNamedOnce(t *testing.T, what string, err error, dir string) {
	t.Helper()
	path := regexp.MustCompile(regexp.QuoteMeta(dir) + `/[\w.]+`)
	for _, line := range strings.Split(err.Error(), "\n") {
		seen := map[string]bool{}
		for _, p := range path.FindAllString(strings.TrimSuffix(line, "."), -1) {
			p = strings.TrimRight(p, ".")
			if seen[p] {
				t.Errorf("%s: %q names %s twice", what, line, p)
			}
			seen[p] = true
		}
	}
}

// fileScript opens a map in dir, grows its table and arenas, writes a
// batch, checkpoints, compacts, closes and opens it again, and returns the
// errors met on the way. Every file operation goes through files.
func fileScript(t *testing.T, dir string, d diskmap.Durability, files mmap.FS) []error {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for round := range 2 {
		m, err := diskmap.Open[string, []byte](dir, diskmap.WithFiles(&diskmap.Options{Capacity: 4, KeyBytes: 4096, ValueBytes: 4096, Durability: d}, files))
		if err != nil {
			return append(errs, err)
		}
		v := bytes.Repeat([]byte{byte(round)}, 300)
		for i := range 20 {
			keep(m.Put(fmt.Sprint("k", i), v))
		}
		keep(m.Batch(func(b *diskmap.Batch[string, []byte]) error {
			_, err := b.Delete("k1")
			return errors.Join(err, b.Put("b", v))
		}))
		_, err = m.Delete("k2")
		keep(err)
		keep(m.Checkpoint())
		keep(m.Compact())
		keep(m.Sync())
		keep(m.Close())
	}
	return errs
}

// countingFS passes every file operation to FS, but fails the one numbered
// failAt, counting from 1, with an error that names neither the package
// nor the file.
type countingFS struct {
	mmap.FS
	mu            sync.Mutex // the install of a grown table calls from a goroutine of its own
	calls, failAt int
	failed        string
}

func (f *countingFS) hit(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls != f.failAt {
		return nil
	}
	f.failed = op
	return errors.New(op + " failed")
}

func (f *countingFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	if err := f.hit("open"); err != nil {
		return nil, err
	}
	return f.FS.OpenFile(name, flag, perm)
}

func (f *countingFS) Rename(o, n string) error {
	if err := f.hit("rename"); err != nil {
		return err
	}
	return f.FS.Rename(o, n)
}

func (f *countingFS) Exchange(a, b string) error {
	if err := f.hit("exchange"); err != nil {
		return err
	}
	return f.FS.Exchange(a, b)
}

func (f *countingFS) Remove(name string) error {
	if err := f.hit("remove"); err != nil {
		return err
	}
	return f.FS.Remove(name)
}

func (f *countingFS) Truncate(file *os.File, size int64) error {
	if err := f.hit("truncate"); err != nil {
		return err
	}
	return f.FS.Truncate(file, size)
}

func (f *countingFS) Allocate(file *os.File, size int64) error {
	if err := f.hit("allocate"); err != nil {
		return err
	}
	return f.FS.Allocate(file, size)
}

func (f *countingFS) Extend(file *os.File, size int64) error {
	if err := f.hit("allocate"); err != nil {
		return err
	}
	return f.FS.Extend(file, size)
}

func (f *countingFS) Sync(file *os.File) error {
	if err := f.hit("sync"); err != nil {
		return err
	}
	return f.FS.Sync(file)
}

func (f *countingFS) SyncDir(dir string) error {
	if err := f.hit("syncdir"); err != nil {
		return err
	}
	return f.FS.SyncDir(dir)
}

func (f *countingFS) WriteAt(file *os.File, b []byte, off int64) (int, error) {
	if err := f.hit("writeat"); err != nil {
		return 0, err
	}
	return f.FS.WriteAt(file, b, off)
}
