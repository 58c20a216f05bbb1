package mmap_test

import (
	"os"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/stretchr/testify/require"
)

func TestLock(t *testing.T) {
	a := newFile(t, 0)
	b := reopen(t, a, os.O_RDWR)

	require.NoError(t, mmap.Lock(a, true))
	err := mmap.Lock(b, true)
	require.ErrorIs(t, err, mmap.ErrLocked, "exclusive, then exclusive")
	require.ErrorContains(t, err, a.Name())
	require.ErrorIs(t, mmap.Lock(b, false), mmap.ErrLocked, "exclusive, then shared")
	require.NoError(t, mmap.Unlock(a))

	require.NoError(t, mmap.Lock(a, false))
	require.NoError(t, mmap.Lock(b, false), "shared, then shared")
	c := reopen(t, a, os.O_RDWR)
	require.ErrorIs(t, mmap.Lock(c, true), mmap.ErrLocked, "shared, then exclusive")
	require.NoError(t, mmap.Unlock(a))
	require.NoError(t, mmap.Unlock(b))

	require.NoError(t, mmap.Lock(c, true), "after unlock")
	require.NoError(t, mmap.Unlock(c))
}

func TestUnlockWithoutLock(t *testing.T) {
	require.NoError(t, mmap.Unlock(newFile(t, 0)))
}

func TestCloseReleasesLock(t *testing.T) {
	a := newFile(t, 0)
	b := reopen(t, a, os.O_RDWR)
	require.NoError(t, mmap.Lock(a, true))
	require.NoError(t, a.Close())
	require.NoError(t, mmap.Lock(b, true))
}
