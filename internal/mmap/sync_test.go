package mmap_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/stretchr/testify/require"
)

func TestSync(t *testing.T) {
	f := newFile(t, 0)
	_, err := f.WriteAt([]byte("data"), 0)
	require.NoError(t, err)
	require.NoError(t, mmap.Sync(f))
	require.NoError(t, mmap.SyncDir(filepath.Dir(f.Name())))
}

func TestSyncClosedFile(t *testing.T) {
	f := newFile(t, 0)
	require.NoError(t, f.Close())
	require.Error(t, mmap.Sync(f))
}

func TestSyncDirMissing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SyncDir does nothing on Windows")
	}
	err := mmap.SyncDir(filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// What SyncRange makes durable is what was written through the mapping.
func TestSyncRangeWritesMappedPages(t *testing.T) {
	f := newFile(t, page)
	r, err := mmap.Map(f, page, mmap.ReadWrite)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Unmap()) })
	copy(r.Bytes()[100:], "durable")
	require.NoError(t, mmap.SyncRange(f, r, 100, 7))
	require.NoError(t, mmap.SyncRange(f, nil, 0, 0))
	got := make([]byte, 7)
	_, err = f.ReadAt(got, 100)
	require.NoError(t, err)
	require.Equal(t, "durable", string(got))
}
