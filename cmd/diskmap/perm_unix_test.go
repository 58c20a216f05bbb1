//go:build unix

package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap"
)

// umask sets the process's umask, which the tool inherits, to mask until
// the test ends.
func umask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// requirePerms fails the test unless every file under dir has the
// permissions file, and every directory, dir among them, directory.
func requirePerms(t *testing.T, dir string, file, directory os.FileMode) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := file
		if d.IsDir() {
			want = directory
		} else {
			n++
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s has permissions %O, want %O", path, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("%s holds no file", dir)
	}
}

// load and import -perm create a map whose files have those permissions,
// and directories the same with an x beside each r.
func TestLoadAndImportCreateWithPerm(t *testing.T) {
	umask(t, 0)
	loaded := filepath.Join(t.TempDir(), "loaded")
	ok(t, `{"key":"a","value":"1"}`+"\n", "load", "-key", "string", "-value", "string", "-perm", "0600", loaded)
	requirePerms(t, loaded, 0o600, 0o700)
	stream := ok(t, "", "export", loaded)
	imported := filepath.Join(t.TempDir(), "imported")
	ok(t, stream, "import", "-key", "string", "-value", "string", "-shards", "2", "-perm", "640", imported)
	requirePerms(t, imported, 0o640, 0o750)
}

// A map that exists keeps its files' permissions whatever -perm says,
// and so do the files its writes create: the table a load grows into,
// and those a compaction writes.
func TestLoadKeepsTheMapsPerm(t *testing.T) {
	umask(t, 0)
	dir := filepath.Join(t.TempDir(), "m")
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{FilePerm: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	var lines strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&lines, `{"key":"k%d","value":"v"}`+"\n", i)
	}
	ok(t, lines.String(), "load", "-key", "string", "-value", "string", "-perm", "0644", dir)
	ok(t, "", "compact", dir)
	requirePerms(t, dir, 0o600, 0o700)
}

// backup keeps the map's permissions, and export -o gives the file it
// creates those of the map's files.
func TestBackupAndExportKeepThePerm(t *testing.T) {
	umask(t, 0)
	dir := filepath.Join(t.TempDir(), "m")
	ok(t, `{"key":"a","value":"1"}`+"\n", "load", "-key", "string", "-value", "string", "-perm", "0600", dir)
	to := filepath.Join(t.TempDir(), "backup")
	ok(t, "", "backup", dir, to)
	requirePerms(t, to, 0o600, 0o700)
	exported := filepath.Join(t.TempDir(), "e")
	ok(t, "", "export", "-o", exported, dir)
	info, err := os.Stat(exported)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("export -o made a file of permissions %O, want 0o600, the map's", got)
	}
}
