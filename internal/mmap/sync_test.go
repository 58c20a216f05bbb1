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
