package mmap_test

import (
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/stretchr/testify/require"
)

func TestAllocateGrows(t *testing.T) {
	f := newFile(t, 100)
	_, err := f.WriteAt([]byte("kept"), 96)
	require.NoError(t, err)

	require.NoError(t, mmap.Allocate(f, 1<<20+3))
	require.Equal(t, int64(1<<20+3), size(t, f))
	got := make([]byte, 8)
	_, err = f.ReadAt(got, 96)
	require.NoError(t, err)
	require.Equal(t, []byte("kept\x00\x00\x00\x00"), got, "old data kept, new range zero")
}

func TestAllocateNeverShrinks(t *testing.T) {
	f := newFile(t, 3*page)
	require.NoError(t, mmap.Allocate(f, int64(page)))
	require.Equal(t, int64(3*page), size(t, f))
	require.NoError(t, mmap.Allocate(f, int64(3*page)))
	require.Equal(t, int64(3*page), size(t, f))
}
