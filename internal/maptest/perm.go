package maptest

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// PermCases are the permissions the tests open maps with, File, and the
// permissions of the directories each gives them, Dir.
var PermCases = []struct{ File, Dir fs.FileMode }{
	{0o600, 0o700},
	{0o640, 0o750},
}

// badFilePerms are permissions a map's files cannot have: bits outside
// 0o777, or no read and write for the owner.
var badFilePerms = []fs.FileMode{0o400, 0o200, 0o044, 0o1644, 0o4600, fs.ModeDir | 0o644, fs.ModeSetgid | 0o600}

// RequireFilePermRefused fails the test unless open, which opens a map in
// dir with its files' permission field, named field, set to perm, refuses
// each permission a map's files cannot have with an error that names the
// field, before it creates anything.
func RequireFilePermRefused(t *testing.T, field string, open func(dir string, perm fs.FileMode) (io.Closer, error)) {
	t.Helper()
	for _, perm := range badFilePerms {
		dir := filepath.Join(t.TempDir(), "m")
		m, err := open(dir, perm)
		if err == nil {
			_ = m.Close()
			t.Errorf("Open with %s %O succeeded, want an error", field, uint32(perm))
			continue
		}
		if !strings.Contains(err.Error(), field) {
			t.Errorf("Open with %s %O: %v, want an error naming %s", field, uint32(perm), err, field)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open with %s %O created %s", field, uint32(perm), dir)
		}
	}
}

// RequirePerms fails the test unless every regular file under dir, dir
// itself and every directory below it have the permission bits given:
// file for files, directory for directories. It returns the paths of the
// files it saw, relative to dir with slashes and sorted, so that a test
// can tell that the files it means to check were there.
func RequirePerms(t testing.TB, dir string, file, directory fs.FileMode) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		want := file
		switch {
		case d.IsDir():
			want = directory
		case d.Type().IsRegular():
			files = append(files, rel)
		default:
			t.Errorf("%s is a %v, not a regular file or a directory", rel, d.Type())
			return nil
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has permissions %O, want %O", rel, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}
