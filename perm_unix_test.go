//go:build unix

package diskmap_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// growAndCompact grows m's table, then compacts and clears it: every kind
// of file a map creates is created once at least.
func growAndCompact(t *testing.T, m *diskmap.Map[string, string]) {
	t.Helper()
	grow(t, m)
	compactAndClear(t, m)
}

// grow puts enough keys into m to grow its table more than once, and
// deletes half of them.
func grow(t *testing.T, m *diskmap.Map[string, string]) {
	t.Helper()
	for i := range 3000 {
		if err := m.Put(maptest.SampleKey(i), fmt.Sprint("value ", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3000; i += 2 {
		if _, err := m.Delete(maptest.SampleKey(i)); err != nil {
			t.Fatal(err)
		}
	}
	if st := m.Stats(); st.Resizes < 2 {
		t.Fatalf("the table grew %d times, want 2 at least", st.Resizes)
	}
}

// compactAndClear compacts m, writes, clears it and writes again.
func compactAndClear(t *testing.T, m *diskmap.Map[string, string]) {
	t.Helper()
	if err := m.Compact(); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if err := m.Put("after", "compact"); err != nil {
		t.Fatal(err)
	}
	if err := m.Clear(); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	if err := m.Put("after", "clear"); err != nil {
		t.Fatal(err)
	}
	if st := m.Stats(); st.Compacted < 1 {
		t.Fatalf("%d compactions, want 1 at least", st.Compacted)
	}
}

// requireMapPerms fails the test unless every file under dir has
// permissions file and every directory dir, and the files include want.
func requireMapPerms(t *testing.T, dir string, file, directory os.FileMode, want ...string) {
	t.Helper()
	files := maptest.RequirePerms(t, dir, file, directory)
	for _, name := range want {
		if !slices.Contains(files, name) {
			t.Errorf("%s holds %v, no %s", dir, files, name)
		}
	}
}

// TestFilePermEveryFile: with the umask at 0, every file a map creates has
// Options.FilePerm, and the directory Open creates the same with an
// execute bit beside each read bit: the table, the arenas, the log, the
// lock file and the spare table, after growths, a compaction and a Clear
// replaced them, while the map is open and once it is closed.
func TestFilePermEveryFile(t *testing.T) {
	for _, tc := range maptest.PermCases {
		t.Run(fmt.Sprintf("%O", tc.File), func(t *testing.T) {
			maptest.Umask(t, 0)
			dir := filepath.Join(t.TempDir(), "m")
			m := maptest.Open[string, string](t, dir, &diskmap.Options{
				FilePerm: tc.File, Durability: diskmap.DurabilityWAL, Capacity: 16,
			})
			grow(t, m)
			requireMapPerms(t, dir, tc.File, tc.Dir, "buckets", "buckets.spare", "keys", "lock", "values", "wal")
			compactAndClear(t, m)
			requireMapPerms(t, dir, tc.File, tc.Dir, "buckets", "buckets.spare", "keys", "lock", "values", "wal")
			maptest.CloseChecked(t, m)
			requireMapPerms(t, dir, tc.File, tc.Dir, "buckets", "keys", "lock", "values", "wal")
		})
	}
}

// TestFilePermUmask: the umask applies to FilePerm, as to os.OpenFile: a
// umask of 0o077 makes the default 0o644 files 0o600, and the directory
// 0o700.
func TestFilePermUmask(t *testing.T) {
	maptest.Umask(t, 0o077)
	dir := filepath.Join(t.TempDir(), "m")
	m := maptest.Open[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWAL, Capacity: 16})
	growAndCompact(t, m)
	maptest.CloseChecked(t, m)
	requireMapPerms(t, dir, 0o600, 0o700, "buckets", "keys", "lock", "values", "wal")
}

// TestFilePermReopen: Open changes the permissions of no file that
// exists, whatever FilePerm it is given; and an Open that leaves FilePerm
// at 0 gives the files it creates those of the map's buckets file, so
// that a compaction or a growth by a program that never set FilePerm
// does not widen them.
func TestFilePermReopen(t *testing.T) {
	maptest.Umask(t, 0)
	dir := filepath.Join(t.TempDir(), "m")
	m := maptest.Open[string, string](t, dir, &diskmap.Options{FilePerm: 0o600, Durability: diskmap.DurabilityWAL, Capacity: 16})
	if err := m.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, m)

	m = maptest.Open[string, string](t, dir, &diskmap.Options{FilePerm: 0o644, Durability: diskmap.DurabilityWAL})
	maptest.CloseChecked(t, m)
	requireMapPerms(t, dir, 0o600, 0o700, "buckets", "keys", "lock", "values", "wal")

	m = maptest.Open[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
	growAndCompact(t, m)
	maptest.CloseChecked(t, m)
	requireMapPerms(t, dir, 0o600, 0o700, "buckets", "keys", "lock", "values", "wal")
}

// TestBackupKeepsPerms: a Backup's files have the permissions of the
// files they copy, and the directory it creates those of the map's
// directory, not the defaults.
func TestBackupKeepsPerms(t *testing.T) {
	for _, tc := range maptest.PermCases {
		t.Run(fmt.Sprintf("%O", tc.File), func(t *testing.T) {
			maptest.Umask(t, 0)
			dir := filepath.Join(t.TempDir(), "m")
			m := maptest.Open[string, string](t, dir, &diskmap.Options{FilePerm: tc.File, Durability: diskmap.DurabilityWAL})
			want := fillForBackup(t, m)
			to := filepath.Join(t.TempDir(), "backup")
			if err := m.Backup(to); err != nil {
				t.Fatalf("Backup: %v", err)
			}
			requireMapPerms(t, to, tc.File, tc.Dir, "buckets", "keys", "values")
			b := maptest.Open[string, string](t, to, nil)
			maptest.RequireContents(t, b, want)
		})
	}
}

// TestFilePermRecovery: the table a recovery rebuilds, written beside the
// map's files and renamed over buckets, gets FilePerm; the files the
// recovery keeps keep their own.
func TestFilePermRecovery(t *testing.T) {
	maptest.Umask(t, 0)
	live := filepath.Join(t.TempDir(), "live")
	m := maptest.Open[string, string](t, live, &diskmap.Options{FilePerm: 0o600})
	for i := range 100 {
		if err := m.Put(maptest.SampleKey(i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	crashed := t.TempDir()
	maptest.CrashCopy(t, live, crashed) // its files are 0o666: created with os.Create
	for _, name := range []string{"buckets", "keys", "values"} {
		if err := os.Chmod(filepath.Join(crashed, name), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	r := maptest.Open[string, string](t, crashed, &diskmap.Options{FilePerm: 0o600})
	if st := r.Stats(); st.Len != 100 {
		t.Fatalf("the recovered map holds %d keys, want 100", st.Len)
	}
	for name, want := range map[string]os.FileMode{"buckets": 0o600, "keys": 0o640, "values": 0o640} {
		fi, err := os.Stat(filepath.Join(crashed, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("after recovery %s has permissions %O, want %O", name, got, want)
		}
	}
}

// TestFilePermCreationCutShort: a map whose creation a crash cut short,
// before its buckets file, holds its lock, keys and values files with the
// FilePerm it was created with; an Open that leaves FilePerm at 0 takes
// theirs for the files it goes on to create, not the default 0o644.
func TestFilePermCreationCutShort(t *testing.T) {
	maptest.Umask(t, 0)
	dir := filepath.Join(t.TempDir(), "m")
	m := maptest.Open[string, string](t, dir, &diskmap.Options{FilePerm: 0o600, Durability: diskmap.DurabilityWAL})
	maptest.CloseChecked(t, m)
	for _, name := range []string{"buckets", "wal"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil { // a directory the caller made, wider
		t.Fatal(err)
	}
	m = maptest.Open[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
	growAndCompact(t, m)
	maptest.CloseChecked(t, m)
	requireMapPerms(t, dir, 0o600, 0o755, "buckets", "keys", "lock", "values", "wal")
}
