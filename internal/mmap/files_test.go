package mmap_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// The errors of the operating system's FS name neither the file nor the
// package, whichever operation fails: the map names the file, once.
func TestOSErrorsNameNoFile(t *testing.T) {
	var files mmap.OS
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	_, err := files.OpenFile(missing, os.O_RDONLY, 0)
	requireNoName(t, "OpenFile", err, missing)
	requireNoName(t, "Rename", files.Rename(missing, filepath.Join(dir, "other")), missing)
	requireNoName(t, "Remove", files.Remove(missing), missing)
	requireNoName(t, "SyncDir", files.SyncDir(missing), missing)
	_, err = files.FreeSpace(missing)
	requireNoName(t, "FreeSpace", err, missing)

	f := newFile(t, page)
	ro := reopen(t, f, os.O_RDONLY)
	_, err = files.WriteAt(ro, []byte("x"), 0)
	requireNoName(t, "WriteAt", err, f.Name())
	requireNoName(t, "Truncate", files.Truncate(ro, 0), f.Name())
	requireNoName(t, "Allocate", files.Allocate(ro, 2*int64(page)), f.Name())
	closed := reopen(t, f, os.O_RDWR)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	requireNoName(t, "Sync", files.Sync(closed), f.Name())
	requireNoName(t, "Extend", files.Extend(closed, 2*int64(page)), f.Name())
	_, err = mmap.ReadFile(files, missing)
	requireNoName(t, "ReadFile", err, missing)
}
