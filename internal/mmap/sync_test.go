package mmap_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

func TestSync(t *testing.T) {
	t.Parallel()
	f := newFile(t, 0)
	if _, err := f.WriteAt([]byte("data"), 0); err != nil {
		t.Fatalf("WriteAt: %v", err)
	}
	if err := mmap.Sync(f); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := mmap.SyncDir(filepath.Dir(f.Name())); err != nil {
		t.Fatalf("SyncDir: %v", err)
	}
}

func TestSyncClosedFile(t *testing.T) {
	t.Parallel()
	f := newFile(t, 0)
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := mmap.Sync(f); err == nil {
		t.Fatal("Sync succeeded, want an error")
	}
}

func TestSyncDirMissing(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SyncDir does nothing on Windows")
	}
	if err := mmap.SyncDir(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("SyncDir: %v, want os.ErrNotExist", err)
	}
}

// What SyncRange makes durable is what was written through the mapping.
func TestSyncRangeWritesMappedPages(t *testing.T) {
	t.Parallel()
	f := newFile(t, page)
	r := mapFile(t, f, page, mmap.ReadWrite)
	copy(r.Bytes()[100:], "durable")
	if err := mmap.SyncRange(mmap.OS{}, f, r, 100, 7); err != nil {
		t.Fatalf("SyncRange: %v", err)
	}
	if err := mmap.SyncRange(mmap.OS{}, f, nil, 0, 0); err != nil {
		t.Fatalf("SyncRange: %v", err)
	}
	got := make([]byte, 7)
	if _, err := f.ReadAt(got, 100); err != nil {
		t.Fatalf("ReadAt: %v", err)
	}
	if string(got) != "durable" {
		t.Fatalf(`string(got) = %q, want "durable"`, string(got))
	}
}
