package maptest

import (
	"io/fs"
	"path/filepath"
	"sort"
	"testing"
)

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
