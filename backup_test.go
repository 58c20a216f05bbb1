package diskmap_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// fillForBackup writes keys to m, some with a time to live, some deleted
// and some replaced, and returns what m holds.
func fillForBackup(t *testing.T, m *diskmap.Map[string, string]) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range 300 {
		k, v := fmt.Sprintf("k%03d", i), strings.Repeat("v", i%40)
		var err error
		if i%7 == 0 {
			err = m.PutTTL(k, v, time.Hour)
		} else {
			err = m.Put(k, v)
		}
		if err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	for i := 0; i < 300; i += 11 {
		k := fmt.Sprintf("k%03d", i)
		if _, err := m.Delete(k); err != nil {
			t.Fatal(err)
		}
		delete(want, k)
	}
	if err := m.Put("k005", "replaced"); err != nil {
		t.Fatal(err)
	}
	want["k005"] = "replaced"
	return want
}

// TestBackupEveryMode: in each durability mode, a Backup of an open map
// with changes not checkpointed is a map directory of buckets, keys and
// values alone that opens, passes Check and holds what the map held at
// the call, in the same order and with the same expiries; the map goes on
// being written, and the backup does not see it.
func TestBackupEveryMode(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		clock := maptest.NewClock()
		opts = maptest.WithClock(opts, clock)
		dir := filepath.Join(t.TempDir(), "m")
		m := maptest.Open[string, string](t, dir, opts)
		want := fillForBackup(t, m)
		wantKeys, _ := pairs(t, m)
		wantTTL, _, _ := m.TTL("k007")
		to := filepath.Join(t.TempDir(), "backup")
		if err := m.Backup(to); err != nil {
			t.Fatalf("Backup: %v", err)
		}
		if err := m.Put("after", "the backup"); err != nil {
			t.Fatalf("Put after Backup: %v", err)
		}
		if got := dirNames(t, to); !slices.Equal(got, []string{"buckets", "keys", "values"}) {
			t.Fatalf("the backup holds %v, want buckets, keys and values", got)
		}
		b := maptest.Open[string, string](t, to, opts)
		if err := b.Check(); err != nil {
			t.Fatalf("Check of the backup: %v", err)
		}
		maptest.RequireContents(t, b, want)
		if got, _ := pairs(t, b); !slices.Equal(got, wantKeys) {
			t.Fatalf("the backup's order differs from the map's")
		}
		if ttl, ok, err := b.TTL("k007"); err != nil || !ok || ttl != wantTTL {
			t.Fatalf("TTL in the backup = %v, %v, %v; want %v", ttl, ok, err, wantTTL)
		}
		if err := b.Put("written", "to the backup"); err != nil {
			t.Fatalf("Put into the backup: %v", err)
		}
		maptest.CloseChecked(t, m)
		reopened := maptest.Open[string, string](t, dir, opts)
		want["after"] = "the backup"
		maptest.RequireContents(t, reopened, want)
	})
}

// TestBackupReadOnly: a map opened read-only backs up as any other.
func TestBackupReadOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	w := maptest.Open[string, string](t, dir, nil)
	want := fillForBackup(t, w)
	maptest.CloseChecked(t, w)
	ro := maptest.Open[string, string](t, dir, &diskmap.Options{ReadOnly: true})
	to := filepath.Join(t.TempDir(), "backup")
	if err := ro.Backup(to); err != nil {
		t.Fatalf("Backup of a read-only map: %v", err)
	}
	maptest.RequireContents(t, maptest.Open[string, string](t, to, nil), want)
}

// TestBackupIntoNonEmptyDir: a Backup into a directory that holds anything
// fails with an error matching fs.ErrExist that names it, and writes
// nothing there.
func TestBackupIntoNonEmptyDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	m := maptest.Open[string, string](t, dir, nil)
	fillForBackup(t, m)
	to := t.TempDir()
	if err := os.WriteFile(filepath.Join(to, "notes"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := m.Backup(to)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), to) || strings.Count(err.Error(), "diskmap: ") != 1 {
		t.Fatalf("Backup into a non-empty directory: %v, want fs.ErrExist naming it", err)
	}
	if got := dirNames(t, to); !slices.Equal(got, []string{"notes"}) {
		t.Fatalf("the directory holds %v after a refused Backup", got)
	}
	if err := m.Backup(dir); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Backup into the map's own directory: %v, want fs.ErrExist", err)
	}
}

// TestBackupClosedMap: Backup of a closed map returns ErrClosed and
// creates nothing.
func TestBackupClosedMap(t *testing.T) {
	m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "m"), nil)
	maptest.CloseChecked(t, m)
	to := filepath.Join(t.TempDir(), "backup")
	if err := m.Backup(to); !errors.Is(err, diskmap.ErrClosed) {
		t.Fatalf("Backup of a closed map: %v, want ErrClosed", err)
	}
	if _, err := os.Stat(to); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Backup of a closed map created %s: %v", to, err)
	}
}

// cloneless is a file system that cannot clone files, as ext4 or tmpfs,
// unless keep is set; clones counts the clones asked of it.
type cloneless struct {
	mmap.FS
	clones int
	keep   bool // clone through FS
}

func (f *cloneless) Clone(dst, src *os.File) error {
	f.clones++
	if f.keep {
		return f.FS.Clone(dst, src)
	}
	return fmt.Errorf("clone: %w", errors.ErrUnsupported)
}

// TestBackupCopiesWithoutClone: where the file system cannot clone, Backup
// copies the files, and the copy is as good.
func TestBackupCopiesWithoutClone(t *testing.T) {
	fsys := &cloneless{FS: mmap.OS{}}
	m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "m"), diskmap.WithFiles(nil, fsys))
	want := fillForBackup(t, m)
	to := filepath.Join(t.TempDir(), "backup")
	if err := m.Backup(to); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if fsys.clones != 3 {
		t.Fatalf("Backup asked for %d clones, want 3 (one per file)", fsys.clones)
	}
	maptest.RequireContents(t, maptest.Open[string, string](t, to, nil), want)
}

// TestBackupFailureRemovesWhatItWrote: a Backup that fails in the middle
// (here a clone that fails for a reason other than the file system's)
// returns the error and leaves the directory as it found it.
func TestBackupFailureRemovesWhatItWrote(t *testing.T) {
	for failAt := 1; ; failAt++ {
		fsys := &failingClone{FS: mmap.OS{}, failAt: failAt}
		m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "m"), diskmap.WithFiles(nil, fsys))
		want := fillForBackup(t, m)
		to := filepath.Join(t.TempDir(), "backup")
		err := m.Backup(to)
		if fsys.calls < failAt {
			if err != nil {
				t.Fatalf("Backup with no failure: %v", err)
			}
			return // every clone has failed once
		}
		if !errors.Is(err, errInjected) {
			t.Fatalf("clone %d failed: Backup = %v, want the injected error", failAt, err)
		}
		if _, serr := os.Stat(to); !errors.Is(serr, fs.ErrNotExist) {
			t.Fatalf("clone %d failed: %s left behind (%v)", failAt, to, serr)
		}
		maptest.RequireContents(t, m, want)
	}
}

// failingClone fails its clone numbered failAt (from 1) with an I/O error.
type failingClone struct {
	mmap.FS
	calls, failAt int
}

func (f *failingClone) Clone(dst, src *os.File) error {
	if f.calls++; f.calls == f.failAt {
		return errInjected
	}
	return f.FS.Clone(dst, src)
}

// TestBackupCutShortIsNoMap: the buckets file of a backup is written last;
// a directory with the arenas of a backup and no buckets file, as a crash
// in the middle leaves it, is refused by Open rather than taken for a map.
func TestBackupCutShortIsNoMap(t *testing.T) {
	m := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "m"), nil)
	fillForBackup(t, m)
	to := filepath.Join(t.TempDir(), "backup")
	if err := m.Backup(to); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(to, "buckets")); err != nil {
		t.Fatal(err)
	}
	if b, err := diskmap.Open[string, string](to, nil); !errors.Is(err, diskmap.ErrCorrupt) {
		if err == nil {
			_ = b.Close()
		}
		t.Fatalf("Open of a backup without buckets: %v, want ErrCorrupt", err)
	}
}
