package diskmap_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/stretchr/testify/require"
)

// manyMatchesOne checks that ViewMany and GetMany give, for every key of
// keys, what View and Get give for it alone.
func manyMatchesOne[K, V any](t *testing.T, m *diskmap.Map[K, V], keys []K) {
	t.Helper()
	calls := 0
	err := m.ViewMany(keys, func(i int, v []byte, found bool) error {
		require.Equal(t, calls, i, "ViewMany calls fn in the order of keys")
		calls++
		want, wantFound, err := m.View(keys[i])
		require.NoError(t, err)
		require.Equal(t, wantFound, found, "key %v", keys[i])
		require.Equal(t, want, v, "key %v", keys[i])
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, len(keys), calls)

	vals, found, err := m.GetMany(keys)
	require.NoError(t, err)
	require.Len(t, vals, len(keys))
	require.Len(t, found, len(keys))
	for i, k := range keys {
		want, wantFound, err := m.Get(k)
		require.NoError(t, err)
		require.Equal(t, wantFound, found[i], "key %v", k)
		require.Equal(t, want, vals[i], "key %v", k)
	}
}

func TestManyMatchesOne(t *testing.T) {
	t.Run("string", func(t *testing.T) {
		m := openMap[string, string](t, t.TempDir(), nil)
		var keys []string
		for i := range 1000 {
			k := fmt.Sprint("key", i)
			if i%3 != 0 {
				require.NoError(t, m.Put(k, fmt.Sprint("value", i)))
			}
			keys = append(keys, k, k) // every key twice, present or not
		}
		_, err := m.Delete("key1")
		require.NoError(t, err)
		manyMatchesOne(t, m, keys)
		manyMatchesOne(t, m, keys[:5]) // less than a group
		manyMatchesOne(t, m, nil)
	})
	t.Run("collisions", func(t *testing.T) {
		// Every key has the same home slot and fingerprint: no lookup
		// ends at its home slot, and the records read ahead are another
		// key's.
		m := openMap[uint64, uint64](t, t.TempDir(), &diskmap.Options{Capacity: 256})
		diskmap.SetHashBits(m, 0, ^uint64(0))
		var keys []uint64
		for i := range uint64(100) {
			require.NoError(t, m.Put(i, i*i))
			keys = append(keys, i, i+1000)
		}
		manyMatchesOne(t, m, keys)
	})
	t.Run("encoded keys", func(t *testing.T) {
		// Keys that the codec encodes into buffers: each key of a group
		// needs its own.
		type point struct{ X, Y int }
		m := openMap[point, int](t, t.TempDir(), nil)
		var keys []point
		for i := range 100 {
			require.NoError(t, m.Put(point{i, -i}, i))
			keys = append(keys, point{i, -i}, point{-i, i + 1})
		}
		manyMatchesOne(t, m, keys)
	})
}

func TestViewManyCallback(t *testing.T) {
	m := openMap[int, int](t, t.TempDir(), nil)
	keys := make([]int, 100)
	for i := range keys {
		keys[i] = i
		require.NoError(t, m.Put(i, i))
	}

	// An error from fn stops ViewMany, which returns it.
	stop := errors.New("stop")
	calls := 0
	err := m.ViewMany(keys, func(i int, _ []byte, _ bool) error {
		calls++
		if i == 40 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Equal(t, 41, calls)

	// fn may change the map: the lookups after it see the change.
	err = m.ViewMany(keys, func(i int, _ []byte, found bool) error {
		require.Equal(t, i%2 == 0 || i < 50, found, "key %d", i)
		if i == 50 {
			for j := 51; j < 100; j += 2 {
				if _, err := m.Delete(j); err != nil {
					return err
				}
			}
		}
		return nil
	})
	require.NoError(t, err)

	// Closing the map in fn ends ViewMany with ErrClosed.
	err = m.ViewMany(keys, func(i int, _ []byte, _ bool) error {
		if i == 3 {
			return m.Close()
		}
		return nil
	})
	require.ErrorIs(t, err, diskmap.ErrClosed)
	_, _, err = m.GetMany(keys)
	require.ErrorIs(t, err, diskmap.ErrClosed)
}
