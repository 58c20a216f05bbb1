package maptest

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// MapFiles are the files of a map directory that hold its state; the
// lock file holds nothing.
var MapFiles = []string{"buckets", "keys", "values", "wal"}

// DirFiles returns the contents of the regular files under dir, by path
// relative to dir with slashes, leaving out the files named in ignore
// (such as "lock", which Open may create).
func DirFiles(t testing.TB, dir string, ignore ...string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, name := range ignore {
			if rel == name {
				return nil
			}
		}
		b, err := os.ReadFile(path)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// RequireSameFiles fails the test unless dir holds exactly the files of
// before, byte for byte, leaving out those named in ignore.
func RequireSameFiles(t testing.TB, dir string, before map[string][]byte, ignore ...string) {
	t.Helper()
	after := DirFiles(t, dir, ignore...)
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("%s was removed", name)
		case len(a) != len(b):
			t.Errorf("%s changed size from %d to %d bytes", name, len(b), len(a))
		case !bytes.Equal(a, b):
			t.Errorf("%s changed", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was created", name)
		}
	}
}

// CloneDir copies the directories and regular files under from into to,
// which it creates.
func CloneDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		case d.Type().IsRegular():
			return copyFile(path, filepath.Join(to, rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// EditFile replaces the contents of the file name in dir by what edit
// returns.
func EditFile(t testing.TB, dir, name string, edit func(b []byte) []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// CopyFile copies the file name of the directory from into the directory
// to.
func CopyFile(t testing.TB, from, to, name string) {
	t.Helper()
	if err := copyFile(filepath.Join(from, name), filepath.Join(to, name)); err != nil {
		t.Fatal(err)
	}
}

// NextFile is the table a growing table moves into, beside the MapFiles
// while the table grows.
const NextFile = "buckets.next"

// CopyMapFiles copies the MapFiles of src that exist into dst, which it
// creates, and NextFile, as they are at this instant. Taken while the map
// in src is open, the copy is what a crash of the process would leave on
// disk: writes through shared mappings are in the page cache, so read(2)
// sees them. NextFile is copied first: in DurabilityOS a map renames it
// over buckets by itself once its table has grown, in the background, and
// a copy of buckets taken before the rename with no NextFile taken after
// it would hold neither table's keys.
func CopyMapFiles(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, name := range append([]string{NextFile}, MapFiles...) {
		err := copyFile(filepath.Join(src, name), filepath.Join(dst, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// copyFile copies the file from to the new file to.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only: closing loses nothing
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// CopyOf returns a new directory, named map, for the test: a copy of the
// map directory sample, or empty where sample is "".
func CopyOf(t testing.TB, sample string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "map")
	if sample == "" {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	CloneDir(t, sample, dir)
	return dir
}

// CrashCopy is CopyMapFiles for a test: it copies the map in src into dst
// as a crash of the process would leave it, and fails the test on an
// error.
func CrashCopy(t testing.TB, src, dst string) {
	t.Helper()
	if err := CopyMapFiles(src, dst); err != nil {
		t.Fatal(err)
	}
}
