package diskmap_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/diskmap-go/diskmap"
)

func TestEntryCounter(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, int](t, dir, nil)
	for want := 1; want <= 3; want++ {
		n, err := m.Entry("hits").AndModify(func(v *int) { *v++ }).OrInsert(1)
		require.NoError(t, err)
		require.Equal(t, want, n)
	}
	require.Equal(t, 1, m.Len())
	require.NoError(t, m.Close())

	m = openMap[string, int](t, dir, nil)
	n, err := m.Entry("hits").AndModify(func(v *int) { *v++ }).OrInsert(1)
	require.NoError(t, err)
	require.Equal(t, 4, n, "the count persists")
}

func TestEntryOrInsertWith(t *testing.T) {
	m := openMap[string, string](t, t.TempDir(), nil)
	calls := 0
	f := func() string { calls++; return "made" }

	v, err := m.Entry("k").OrInsertWith(f)
	require.NoError(t, err)
	require.Equal(t, "made", v)
	require.Equal(t, 1, calls, "called for an absent key")

	v, err = m.Entry("k").OrInsertWith(f)
	require.NoError(t, err)
	require.Equal(t, "made", v)
	require.Equal(t, 1, calls, "not called for a present key")

	require.NoError(t, m.Put("k", "other"))
	v, err = m.Entry("k").OrInsertWith(f)
	require.NoError(t, err)
	require.Equal(t, "other", v)
	require.Equal(t, 1, calls)
}

func TestEntryAndModifyAbsent(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	e := m.Entry("k").AndModify(func(*int) { t.Error("AndModify called f for an absent key") })
	require.False(t, e.Found())
	require.NoError(t, e.Err())
	require.Equal(t, 0, m.Len())
}

func TestEntryMethods(t *testing.T) {
	m := openMap[string, string](t, t.TempDir(), nil)
	require.NoError(t, m.Put("present", "p"))

	e := m.Entry("present")
	require.Equal(t, "present", e.Key())
	require.True(t, e.Found())
	v, err := e.Value()
	require.NoError(t, err)
	require.Equal(t, "p", v)
	require.NoError(t, e.Err())

	a := m.Entry("absent")
	require.Equal(t, "absent", a.Key())
	require.False(t, a.Found())
	v, err = a.Value()
	require.NoError(t, err)
	require.Equal(t, "", v, "Value of an absent key is the zero value")
	require.NoError(t, a.Delete(), "deleting an absent key does nothing")

	// Set inserts; the entry then finds its key.
	require.NoError(t, a.Set("a1"))
	require.True(t, a.Found())
	v, err = a.Value()
	require.NoError(t, err)
	require.Equal(t, "a1", v)
	// Set again updates.
	require.NoError(t, a.Set("a2"))
	v, err = a.Value()
	require.NoError(t, err)
	require.Equal(t, "a2", v)
	require.Equal(t, 2, m.Len())
	got, _, err := m.Get("absent")
	require.NoError(t, err)
	require.Equal(t, "a2", got)

	// Delete removes, and the same entry can put the key back.
	require.NoError(t, a.Delete())
	require.False(t, a.Found())
	v, err = a.Value()
	require.NoError(t, err)
	require.Equal(t, "", v)
	require.Equal(t, 1, m.Len())
	ok, err := m.Contains("absent")
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, a.Set("a3"))
	require.True(t, a.Found())
	got, _, err = m.Get("absent")
	require.NoError(t, err)
	require.Equal(t, "a3", got)
	require.Equal(t, 2, m.Len())
	require.Equal(t, 0, m.Stats().Tombstones, "the entry's Set filled the slot its Delete freed")
}

func TestEntryStale(t *testing.T) {
	m := openMap[string, string](t, t.TempDir(), nil)
	require.NoError(t, m.Put("a", "1"))

	// Reads do not make an entry stale.
	e := m.Entry("a")
	_, _, err := m.Get("a")
	require.NoError(t, err)
	_, err = m.Contains("b")
	require.NoError(t, err)
	_, _, err = m.View("a")
	require.NoError(t, err)
	_ = m.Stats()
	require.NoError(t, m.Check())
	for range m.All() {
	}
	require.NoError(t, e.Err())
	v, err := e.Value()
	require.NoError(t, err)
	require.Equal(t, "1", v)

	for name, mutate := range map[string]func(){
		"Put":             func() { require.NoError(t, m.Put("b", "2")) },
		"Put same key":    func() { require.NoError(t, m.Put("a", "3")) },
		"Delete":          func() { _, err := m.Delete("b"); require.NoError(t, err) },
		"Compact":         func() { require.NoError(t, m.Compact()) },
		"other Entry.Set": func() { require.NoError(t, m.Entry("c").Set("4")) },
	} {
		e := m.Entry("a")
		absent := m.Entry("zzz")
		mutate()
		for _, e := range []*diskmap.Entry[string, string]{e, absent} {
			require.ErrorIs(t, e.Err(), diskmap.ErrStale, "%s: Err", name)
			_, err := e.Value()
			require.ErrorIs(t, err, diskmap.ErrStale, "%s: Value", name)
			require.ErrorIs(t, e.Set("x"), diskmap.ErrStale, "%s: Set", name)
			require.ErrorIs(t, e.Delete(), diskmap.ErrStale, "%s: Delete", name)
			_, err = e.OrInsert("x")
			require.ErrorIs(t, err, diskmap.ErrStale, "%s: OrInsert", name)
			_, err = e.OrInsertWith(func() string { t.Errorf("%s: OrInsertWith called f on a stale entry", name); return "" })
			require.ErrorIs(t, err, diskmap.ErrStale, "%s: OrInsertWith", name)
			e.AndModify(func(*string) { t.Errorf("%s: AndModify called f on a stale entry", name) })
		}
	}
	_, found, err := m.Get("zzz")
	require.NoError(t, err)
	require.False(t, found, "stale entries wrote nothing")
	v, _, err = m.Get("a")
	require.NoError(t, err)
	require.Equal(t, "3", v)
}

func TestEntrySetGrowsTable(t *testing.T) {
	// 16 slots at MaxLoad 0.75: the 13th key grows the table.
	m := openMap[string, string](t, t.TempDir(), &diskmap.Options{Capacity: 12})
	for i := range 12 {
		require.NoError(t, m.Put(fmt.Sprint("k", i), "v"))
	}
	before := m.Stats()
	require.Equal(t, 16, before.Capacity)

	e := m.Entry("new")
	require.False(t, e.Found())
	require.NoError(t, e.Set("first"))
	after := m.Stats()
	require.Greater(t, after.Capacity, before.Capacity, "Set grew the table")
	require.Equal(t, before.Resizes+1, after.Resizes)

	require.True(t, e.Found())
	v, err := e.Value()
	require.NoError(t, err)
	require.Equal(t, "first", v)
	require.NoError(t, e.Set("second"))
	v, err = e.Value()
	require.NoError(t, err)
	require.Equal(t, "second", v)
	got, _, err := m.Get("new")
	require.NoError(t, err)
	require.Equal(t, "second", got)
	require.NoError(t, e.Delete())
	ok, err := m.Contains("new")
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, 12, m.Len())
	require.NoError(t, m.Check())
}

func TestEntryOrInsertGrowsTable(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), &diskmap.Options{Capacity: 12})
	for i := range 100 {
		k := fmt.Sprint("k", i)
		e := m.Entry(k)
		n, err := e.AndModify(func(v *int) { *v++ }).OrInsert(i)
		require.NoError(t, err)
		require.Equal(t, i, n)
		n, err = e.Value()
		require.NoError(t, err, "Value after OrInsert of key %d", i)
		require.Equal(t, i, n)
	}
	require.Equal(t, 100, m.Len())
	require.Greater(t, m.Stats().Resizes, uint64(1))
}

func TestEntryClosedMap(t *testing.T) {
	m := openMap[string, int](t, t.TempDir(), nil)
	require.NoError(t, m.Put("a", 1))
	require.NoError(t, m.Close())

	e := m.Entry("a")
	require.Equal(t, "a", e.Key())
	require.False(t, e.Found())
	require.ErrorIs(t, e.Err(), diskmap.ErrClosed)
	_, err := e.Value()
	require.ErrorIs(t, err, diskmap.ErrClosed)
	require.ErrorIs(t, e.Set(2), diskmap.ErrClosed)
	require.ErrorIs(t, e.Delete(), diskmap.ErrClosed)
	_, err = e.OrInsert(2)
	require.ErrorIs(t, err, diskmap.ErrClosed)
	_, err = e.OrInsertWith(func() int { t.Error("OrInsertWith called f on a closed map"); return 0 })
	require.ErrorIs(t, err, diskmap.ErrClosed)
	_, err = e.AndModify(func(*int) { t.Error("AndModify called f on a closed map") }).OrInsert(2)
	require.ErrorIs(t, err, diskmap.ErrClosed)
}
