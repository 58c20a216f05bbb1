package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// faultFS passes every file operation to the operating system but fails
// the one numbered failAt (counting from 1), and with permanent every one
// after it too.
type faultFS struct {
	mu        sync.Mutex // the install of a grown table calls from a goroutine of its own
	calls     int
	failAt    int
	permanent bool
	failed    []string // the operations that failed
}

var errInjected = errors.New("injected I/O error")

func (f *faultFS) fail(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.failAt > 0 && (f.calls == f.failAt || f.permanent && f.calls > f.failAt) {
		f.failed = append(f.failed, op)
		return fmt.Errorf("%s: %w", op, errInjected)
	}
	return nil
}

func (f *faultFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	if err := f.fail("open"); err != nil {
		return nil, err
	}
	return os.OpenFile(name, flag, perm)
}

func (f *faultFS) Rename(o, n string) error {
	if err := f.fail("rename"); err != nil {
		return err
	}
	return os.Rename(o, n)
}

func (f *faultFS) Exchange(a, b string) error {
	if err := f.fail("exchange"); err != nil {
		return err
	}
	return mmap.Exchange(a, b)
}

func (f *faultFS) Remove(name string) error {
	if err := f.fail("remove"); err != nil {
		return err
	}
	return os.Remove(name)
}

func (f *faultFS) Truncate(file *os.File, size int64) error {
	if err := f.fail("truncate"); err != nil {
		return err
	}
	return file.Truncate(size)
}

func (f *faultFS) Allocate(file *os.File, size int64) error {
	if err := f.fail("fallocate"); err != nil {
		return err
	}
	return mmap.Allocate(file, size)
}

func (f *faultFS) Extend(file *os.File, size int64) error {
	if err := f.fail("fallocate"); err != nil {
		return err
	}
	return mmap.Extend(file, size)
}

func (f *faultFS) Sync(file *os.File) error {
	if err := f.fail("sync"); err != nil {
		return err
	}
	return mmap.Sync(file)
}

func (f *faultFS) SyncDir(dir string) error {
	if err := f.fail("syncdir"); err != nil {
		return err
	}
	return mmap.SyncDir(dir)
}

func (f *faultFS) WriteAt(file *os.File, b []byte, off int64) (int, error) {
	if err := f.fail("write"); err != nil {
		return 0, err
	}
	return file.WriteAt(b, off)
}

func (f *faultFS) FreeSpace(dir string) (int64, error) {
	if err := f.fail("statfs"); err != nil {
		return 0, err
	}
	return mmap.FreeSpace(dir)
}

func (f *faultFS) Clone(dst, src *os.File) error {
	if err := f.fail("clone"); err != nil {
		return err
	}
	return mmap.Clone(dst, src)
}

func (f *faultFS) CopyRange(dst, src *os.File, n int64) error {
	if err := f.fail("copy"); err != nil {
		return err
	}
	return mmap.CopyRange(dst, src, n)
}

// faultModel is what a scenario acknowledged: keys whose last write
// returned nil, and keys whose last write failed, which may hold either
// their old or their new value.
type faultModel struct {
	acked     map[uint64][]byte
	uncertain map[uint64][][]byte
}

func (fm *faultModel) put(k uint64, v []byte, err error) {
	if err == nil {
		fm.acked[k] = v
		delete(fm.uncertain, k)
		return
	}
	old, had := fm.acked[k]
	fm.uncertain[k] = append(fm.uncertain[k], v, old)
	if !had {
		fm.uncertain[k] = append(fm.uncertain[k], nil)
	}
	delete(fm.acked, k)
}

func (fm *faultModel) del(k uint64, err error) {
	if err == nil {
		delete(fm.acked, k)
		delete(fm.uncertain, k)
		return
	}
	if old, had := fm.acked[k]; had {
		fm.uncertain[k] = append(fm.uncertain[k], old)
		delete(fm.acked, k)
	}
	if _, unsure := fm.uncertain[k]; unsure {
		fm.uncertain[k] = append(fm.uncertain[k], nil)
	}
}

// faultScenario reopens the map in dir, its files going through fs, and
// runs puts (growing the table and the arenas), deletes, a Compact, a
// Checkpoint and a Close, recording what was acknowledged. Errors are
// expected: they are what the test injects. With auto, the writes compact
// the map by themselves, often, and the scenario makes no Compact of its
// own.
func faultScenario(dir string, fs mmap.FS, d diskmap.Durability, fm *faultModel, auto bool) {
	opts := &diskmap.Options{Durability: d, WALCheckpointBytes: 4 << 10}
	if auto {
		opts.CompactAt, opts.CompactMinBytes = 0.15, 1
	}
	m, err := diskmap.Open[uint64, []byte](dir, diskmap.WithFiles(opts, fs))
	if err != nil {
		return
	}
	for i := range 80 {
		k := uint64(i % 50)
		switch i % 7 {
		case 3:
			_, err := m.Delete(k)
			fm.del(k, err)
		default:
			v := bytes.Repeat([]byte{byte(i)}, 1+i*5)
			fm.put(k, v, m.Put(k, v))
		}
		switch {
		case i == 40 && !auto:
			_ = m.Compact()
		case i == 60:
			_ = m.Checkpoint()
		}
	}
	_ = m.Close()
}

func checkFaultModel(t *testing.T, dir string, d diskmap.Durability, fm *faultModel, what string) {
	t.Helper()
	m, err := diskmap.Open[uint64, []byte](dir, &diskmap.Options{Durability: d})
	if err != nil {
		t.Fatalf("%s: reopen with the faults gone: %v", what, err)
	}
	defer maptest.CheckClose(t, m)
	if err := m.Check(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for k, want := range fm.acked {
		got, ok, err := m.Get(k)
		if err != nil || !ok || !bytes.Equal(got, want) {
			t.Fatalf("%s: acknowledged key %d: got %d bytes (found %v, %v), want %d bytes", what, k, len(got), ok, err, len(want))
		}
	}
	for k := range uint64(50) {
		got, ok, err := m.Get(k)
		if err != nil {
			t.Fatalf("%s: key %d: %v", what, k, err)
		}
		if _, acked := fm.acked[k]; acked {
			continue
		}
		if options, unsure := fm.uncertain[k]; unsure {
			if !ok {
				got = nil
			}
			if !containsBytes(options, got) {
				t.Fatalf("%s: key %d holds %d bytes, none of the values it may have", what, k, len(got))
			}
		} else if ok {
			t.Fatalf("%s: key %d was deleted or never put, and is there", what, k)
		}
	}
}

func containsBytes(options [][]byte, b []byte) bool {
	for _, o := range options {
		if (o == nil) == (b == nil) && bytes.Equal(o, b) {
			return true
		}
	}
	return false
}

// Every file operation of a short scenario — open, write, truncate,
// fallocate, sync, rename, remove — is made to fail in turn, once
// (transient) and from then on (permanent), in every durability mode. The
// map must report errors, and reopen afterwards with nothing acknowledged
// lost.
func TestFileFaults(t *testing.T) {
	t.Parallel()
	runFileFaults(t, false)
}

// TestFileFaultsAutoCompact is TestFileFaults with writes that compact the
// map by themselves: a failure in an automatic compaction leaves the
// write that made it to go on, and what it acknowledges must be kept.
func TestFileFaultsAutoCompact(t *testing.T) {
	t.Parallel()
	runFileFaults(t, true)
}

func runFileFaults(t *testing.T, auto bool) {
	if testing.Short() {
		t.Skip("long: runs the scenario once per file operation")
	}
	for _, d := range maptest.Modes {
		t.Run(d.String(), func(t *testing.T) {
			base := t.TempDir()
			seed := maptest.Open[uint64, []byte](t, base, &diskmap.Options{Durability: d, Capacity: 8, KeyBytes: 4096, ValueBytes: 4096})
			for k := range uint64(30) {
				if err := seed.Put(k, []byte{byte(k)}); err != nil {
					t.Fatal(err)
				}
			}
			if err := seed.Close(); err != nil {
				t.Fatal(err)
			}
			counter := &faultFS{}
			faultScenario(copyOf(t, base), counter, d, newFaultModel(base, t), auto)
			total := counter.calls
			t.Logf("%d file operations in the scenario", total)
			surfaced := 0
			for _, permanent := range []bool{false, true} {
				for n := 1; n <= total; n++ {
					dir := copyOf(t, base)
					fm := newFaultModel(base, t)
					fs := &faultFS{failAt: n, permanent: permanent}
					faultScenario(dir, fs, d, fm, auto)
					if len(fs.failed) > 0 && len(fm.uncertain) > 0 {
						surfaced++
					}
					checkFaultModel(t, dir, d, fm, fmt.Sprintf("failing call %d (%v, permanent %v)", n, fs.failed, permanent))
				}
			}
			t.Logf("%d of %d injected failures surfaced as an error from a write", surfaced, 2*total)
		})
	}
}

func newFaultModel(base string, t *testing.T) *faultModel {
	fm := &faultModel{acked: map[uint64][]byte{}, uncertain: map[uint64][][]byte{}}
	for k := range uint64(30) {
		fm.acked[k] = []byte{byte(k)}
	}
	return fm
}

func copyOf(t *testing.T, src string) string {
	dst := t.TempDir()
	maptest.CrashCopy(t, src, dst)
	return dst
}
