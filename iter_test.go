package diskmap_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/diskmap-go/diskmap"
)

// fillShuffled puts n keys into m in a random order and returns that order.
func fillShuffled(t *testing.T, m *diskmap.Map[string, int], n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%04d", i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for i, k := range keys {
		require.NoError(t, m.Put(k, i))
	}
	return keys
}

// requireOrder checks that All, Keys and Values agree and follow want.
func requireOrder(t *testing.T, m *diskmap.Map[string, int], want []string, vals map[string]int) {
	t.Helper()
	var keys []string
	for k, v := range m.All() {
		keys = append(keys, k)
		require.Equal(t, vals[k], v, "All: value of %q", k)
	}
	require.NoError(t, m.Err())
	require.Equal(t, want, keys, "All")
	require.Equal(t, want, slices.Collect(m.Keys()), "Keys")
	var wantVals []int
	for _, k := range want {
		wantVals = append(wantVals, vals[k])
	}
	require.Equal(t, wantVals, slices.Collect(m.Values()), "Values")
	require.NoError(t, m.Err())
}

func TestIterInsertionOrder(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), &diskmap.Options{Capacity: 8})
	keys := fillShuffled(t, m, 500) // grows the table several times
	vals := map[string]int{}
	for i, k := range keys {
		vals[k] = i
	}
	requireOrder(t, m, keys, vals)
}

func TestIterOrderAfterChanges(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, int](t, dir, nil)
	keys := fillShuffled(t, m, 50)
	vals := map[string]int{}
	for i, k := range keys {
		vals[k] = i
	}

	// An update keeps the key's place.
	require.NoError(t, m.Put(keys[0], 1000))
	require.NoError(t, m.Entry(keys[10]).Set(1010))
	vals[keys[0]], vals[keys[10]] = 1000, 1010
	requireOrder(t, m, keys, vals)

	// A key deleted and put again moves to the end.
	for _, k := range []string{keys[5], keys[0]} {
		_, err := m.Delete(k)
		require.NoError(t, err)
		require.NoError(t, m.Put(k, 2000))
		vals[k] = 2000
		keys = append(slices.DeleteFunc(keys, func(s string) bool { return s == k }), k)
	}
	requireOrder(t, m, keys, vals)

	// A deleted key drops out of the order.
	_, err := m.Delete(keys[1])
	require.NoError(t, err)
	delete(vals, keys[1])
	keys = slices.Delete(keys, 1, 2)
	requireOrder(t, m, keys, vals)

	// Compact and reopening keep the order.
	require.NoError(t, m.Compact())
	requireOrder(t, m, keys, vals)
	require.NoError(t, m.Close())
	m = openMap[string, int](t, dir, nil)
	requireOrder(t, m, keys, vals)
}

func TestIterDeleteCurrent(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	keys := fillShuffled(t, m, 100)
	var seen []string
	for k := range m.Keys() {
		seen = append(seen, k)
		found, err := m.Delete(k)
		require.NoError(t, err)
		require.True(t, found)
	}
	require.NoError(t, m.Err())
	require.Equal(t, keys, seen)
	require.Equal(t, 0, m.Len())
}

func TestIterUpdateCurrent(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	keys := fillShuffled(t, m, 100)
	var seen []string
	for k, v := range m.All() {
		seen = append(seen, k)
		require.NoError(t, m.Put(k, v+1000))
	}
	require.NoError(t, m.Err())
	require.Equal(t, keys, seen, "each key once, in order")
	for i, k := range keys {
		v, _, err := m.Get(k)
		require.NoError(t, err)
		require.Equal(t, i+1000, v, "%q updated once", k)
	}
}

func TestIterDeleteLater(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	keys := fillShuffled(t, m, 20)
	var seen []string
	for k := range m.Keys() {
		if len(seen) == 0 {
			for _, later := range []string{keys[1], keys[19], keys[7]} {
				_, err := m.Delete(later)
				require.NoError(t, err)
			}
		}
		seen = append(seen, k)
	}
	require.NoError(t, m.Err())
	want := slices.Clone(keys)
	want = slices.DeleteFunc(want, func(s string) bool { return s == keys[1] || s == keys[19] || s == keys[7] })
	require.Equal(t, want, seen, "deleted keys not yet reached are not visited")
}

func TestIterUpdateLater(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	keys := fillShuffled(t, m, 20)
	got := map[string]int{}
	for k, v := range m.All() {
		if len(got) == 0 {
			require.NoError(t, m.Put(keys[15], -15))
		}
		got[k] = v
	}
	require.NoError(t, m.Err())
	require.Len(t, got, 20)
	require.Equal(t, -15, got[keys[15]], "a key not yet reached is visited with its new value")
}

func TestIterInsertDuring(t *testing.T) {
	// A small table, so that the inserts grow it during the iteration.
	m := openMap[string, int](t, t.TempDir(), &diskmap.Options{Capacity: 8})
	keys := fillShuffled(t, m, 8)
	before := m.Stats().Capacity
	var added []string
	var seen []string
	for k := range m.Keys() {
		seen = append(seen, k)
		if len(added) < 100 {
			n := fmt.Sprintf("new%03d", len(added))
			require.NoError(t, m.Put(n, 0))
			added = append(added, n)
		}
	}
	require.NoError(t, m.Err())
	require.Greater(t, m.Stats().Capacity, before, "the table grew")
	require.Equal(t, append(keys, added...), seen, "inserted keys are visited at the end")
}

func TestIterReinsertDuring(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	keys := fillShuffled(t, m, 5)
	var seen []string
	for k := range m.Keys() {
		seen = append(seen, k)
		if k == keys[2] {
			_, err := m.Delete(keys[0])
			require.NoError(t, err)
			require.NoError(t, m.Put(keys[0], 0))
		}
	}
	require.NoError(t, m.Err())
	require.Equal(t, append(slices.Clone(keys), keys[0]), seen, "a key deleted and put again moves to the end, visited twice")
}

func TestIterBreak(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	keys := fillShuffled(t, m, 10)
	var seen []string
	for k := range m.Keys() {
		seen = append(seen, k)
		if len(seen) == 3 {
			break
		}
	}
	require.NoError(t, m.Err(), "breaking out is not an error")
	require.Equal(t, keys[:3], seen)
	n := 0
	for range m.All() {
		n++
		break
	}
	for range m.Values() {
		n++
		break
	}
	require.Equal(t, 2, n)
	require.NoError(t, m.Err())
}

func TestIterCompactDuring(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	fillShuffled(t, m, 10)
	for name, iterate := range map[string]func(body func()){
		"All": func(body func()) {
			for range m.All() {
				body()
			}
		},
		"Keys": func(body func()) {
			for range m.Keys() {
				body()
			}
		},
		"Values": func(body func()) {
			for range m.Values() {
				body()
			}
		},
	} {
		n := 0
		iterate(func() {
			n++
			if n == 2 {
				require.NoError(t, m.Compact())
			}
		})
		require.Equal(t, 2, n, "%s: Compact ends the iteration", name)
		require.ErrorIs(t, m.Err(), diskmap.ErrStale, name)
		require.NoError(t, m.Err(), "%s: Err clears", name)
	}
	require.Equal(t, 10, m.Len())
}

func TestIterCloseDuring(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	fillShuffled(t, m, 10)
	n := 0
	for range m.All() {
		n++
		require.NoError(t, m.Close())
	}
	require.Equal(t, 1, n, "Close ends the iteration")
	require.ErrorIs(t, m.Err(), diskmap.ErrStale)
	require.NoError(t, m.Err())
}

func TestIterErrKeepsFirst(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	fillShuffled(t, m, 3)
	for range m.Keys() {
		require.NoError(t, m.Compact())
	}
	require.NoError(t, m.Close())
	for range m.Keys() {
		t.Fatal("a closed map yielded")
	}
	require.ErrorIs(t, m.Err(), diskmap.ErrStale, "the first error is kept")
	require.NoError(t, m.Err(), "Err forgets what it returned")
	for range m.Values() {
		t.Fatal("a closed map yielded")
	}
	require.ErrorIs(t, m.Err(), diskmap.ErrClosed)
	require.NoError(t, m.Err())
}
