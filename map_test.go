package diskmap_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/layout"
)

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, string](t, dir, nil)
	want := map[string]string{}
	var order []string
	for i := range 200 {
		k, v := fmt.Sprintf("key-%03d", i), fmt.Sprintf("value-%d", i*i)
		require.NoError(t, m.Put(k, v))
		want[k] = v
		order = append(order, k)
	}
	for i := 0; i < 200; i += 3 {
		k := fmt.Sprintf("key-%03d", i)
		found, err := m.Delete(k)
		require.NoError(t, err)
		require.True(t, found, "Delete(%q)", k)
		delete(want, k)
		order = slices.DeleteFunc(order, func(s string) bool { return s == k })
	}
	for i := 1; i < 200; i += 3 {
		k := fmt.Sprintf("key-%03d", i)
		require.NoError(t, m.Put(k, "updated"))
		want[k] = "updated"
	}
	require.NoError(t, m.Close())

	m = openMap[string, string](t, dir, nil)
	require.Equal(t, len(want), m.Len())
	for i := range 200 {
		k := fmt.Sprintf("key-%03d", i)
		v, found, err := m.Get(k)
		require.NoError(t, err)
		wv, wfound := want[k]
		require.Equal(t, wfound, found, "Get(%q) found", k)
		require.Equal(t, wv, v, "Get(%q)", k)
	}
	require.Equal(t, order, slices.Collect(m.Keys()), "insertion order after reopen")
	require.NoError(t, m.Err())
}

func TestGetContainsViewPutDelete(t *testing.T) {
	m := openMap[string, string](t, t.TempDir(), nil)

	v, found, err := m.Get("a")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Equal(t, "", v)
	ok, err := m.Contains("a")
	require.NoError(t, err)
	assert.False(t, ok)
	b, found, err := m.View("a")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Nil(t, b)

	require.NoError(t, m.Put("a", "alpha"))
	require.NoError(t, m.Put("b", "beta"))
	assert.Equal(t, 2, m.Len())
	v, found, err = m.Get("a")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "alpha", v)
	ok, err = m.Contains("b")
	require.NoError(t, err)
	assert.True(t, ok)
	b, found, err = m.View("b")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, []byte("beta"), b)
	assert.Equal(t, len(b), cap(b), "a view is clipped to its record")

	// An update replaces the value and keeps the count.
	require.NoError(t, m.Put("a", "alpha, again"))
	assert.Equal(t, 2, m.Len())
	v, _, err = m.Get("a")
	require.NoError(t, err)
	assert.Equal(t, "alpha, again", v)

	found, err = m.Delete("a")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, 1, m.Len())
	found, err = m.Delete("a")
	require.NoError(t, err)
	assert.False(t, found, "second Delete")
	found, err = m.Delete("never")
	require.NoError(t, err)
	assert.False(t, found)
	assert.Equal(t, 1, m.Len())
	_, found, err = m.Get("a")
	require.NoError(t, err)
	assert.False(t, found, "Get after Delete")
	ok, err = m.Contains("a")
	require.NoError(t, err)
	assert.False(t, ok, "Contains after Delete")

	// A deleted key can be put again.
	require.NoError(t, m.Put("a", "new"))
	v, found, err = m.Get("a")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "new", v)
	assert.Equal(t, 2, m.Len())
}

func TestEmptyKeysAndValues(t *testing.T) {
	dir := t.TempDir()
	m := openMap[[]byte, []byte](t, dir, nil)
	require.NoError(t, m.Put(nil, []byte("empty key")))
	require.NoError(t, m.Put([]byte("nil value"), nil))
	require.NoError(t, m.Put([]byte("empty value"), []byte{}))
	require.Equal(t, 3, m.Len())

	check := func() {
		t.Helper()
		// A nil key and an empty one are the same key.
		v, found, err := m.Get([]byte{})
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, []byte("empty key"), v)
		for _, k := range []string{"nil value", "empty value"} {
			v, found, err := m.Get([]byte(k))
			require.NoError(t, err)
			require.True(t, found, "Get(%q)", k)
			require.NotNil(t, v, "Get(%q) decodes to an empty, non-nil slice", k)
			require.Empty(t, v, "Get(%q)", k)
			b, found, err := m.View([]byte(k))
			require.NoError(t, err)
			require.True(t, found, "View(%q)", k)
			require.Empty(t, b, "View(%q)", k)
			ok, err := m.Contains([]byte(k))
			require.NoError(t, err)
			require.True(t, ok, "Contains(%q)", k)
		}
	}
	check()
	require.NoError(t, m.Close())
	m = openMap[[]byte, []byte](t, dir, nil)
	require.Equal(t, 3, m.Len())
	check()

	found, err := m.Delete(nil)
	require.NoError(t, err)
	require.True(t, found, "Delete of the empty key")
	ok, err := m.Contains([]byte{})
	require.NoError(t, err)
	require.False(t, ok)

	s := openMap[string, string](t, t.TempDir(), nil)
	require.NoError(t, s.Put("", ""))
	v, found, err := s.Get("")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "", v)
	require.Equal(t, 1, s.Len())
}

func TestClosedMap(t *testing.T) {
	m := openMap[string, string](t, t.TempDir(), nil)
	require.NoError(t, m.Put("a", "1"))
	e := m.Entry("a")
	require.NoError(t, m.Close())

	assert.Equal(t, 0, m.Len())
	assert.Equal(t, diskmap.Stats{}, m.Stats())
	_, _, err := m.Get("a")
	assert.ErrorIs(t, err, diskmap.ErrClosed, "Get")
	_, err = m.Contains("a")
	assert.ErrorIs(t, err, diskmap.ErrClosed, "Contains")
	_, _, err = m.View("a")
	assert.ErrorIs(t, err, diskmap.ErrClosed, "View")
	assert.ErrorIs(t, m.Put("a", "2"), diskmap.ErrClosed, "Put")
	_, err = m.Delete("a")
	assert.ErrorIs(t, err, diskmap.ErrClosed, "Delete")
	assert.ErrorIs(t, m.Sync(), diskmap.ErrClosed, "Sync")
	assert.ErrorIs(t, m.Compact(), diskmap.ErrClosed, "Compact")
	assert.ErrorIs(t, m.Check(), diskmap.ErrClosed, "Check")
	assert.ErrorIs(t, m.Close(), diskmap.ErrClosed, "Close")

	for name, e := range map[string]*diskmap.Entry[string, string]{"before Close": e, "after Close": m.Entry("a")} {
		_, err = e.Value()
		assert.ErrorIs(t, err, diskmap.ErrClosed, "Entry %s: Value", name)
		assert.ErrorIs(t, e.Set("x"), diskmap.ErrClosed, "Entry %s: Set", name)
		assert.ErrorIs(t, e.Delete(), diskmap.ErrClosed, "Entry %s: Delete", name)
		_, err = e.OrInsert("x")
		assert.ErrorIs(t, err, diskmap.ErrClosed, "Entry %s: OrInsert", name)
		assert.ErrorIs(t, e.Err(), diskmap.ErrClosed, "Entry %s: Err", name)
	}

	for name, seq := range map[string]func(){
		"All": func() {
			for range m.All() {
				t.Error("All yielded on a closed map")
			}
		},
		"Keys": func() {
			for range m.Keys() {
				t.Error("Keys yielded on a closed map")
			}
		},
		"Values": func() {
			for range m.Values() {
				t.Error("Values yielded on a closed map")
			}
		},
	} {
		seq()
		assert.ErrorIs(t, m.Err(), diskmap.ErrClosed, name)
		assert.NoError(t, m.Err(), "%s: Err clears", name)
	}
}

func TestKeyTooLarge(t *testing.T) {
	m := openMap[[]byte, []byte](t, t.TempDir(), nil)
	big := bytes.Repeat([]byte{'k'}, layout.MaxKeyLen+1)

	err := m.Put(big, []byte("v"))
	require.ErrorIs(t, err, diskmap.ErrTooLarge)
	require.ErrorIs(t, m.Entry(big).Set([]byte("v")), diskmap.ErrTooLarge, "Entry.Set")
	require.Equal(t, 0, m.Len())
	_, found, err := m.Get(big)
	require.NoError(t, err)
	require.False(t, found)

	// The longest key allowed is fine, and the map stays usable.
	max := big[:layout.MaxKeyLen]
	require.NoError(t, m.Put(max, []byte("v")))
	require.NoError(t, m.Put([]byte("small"), []byte("w")))
	v, found, err := m.Get(max)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, []byte("v"), v)
	require.Equal(t, 2, m.Len())
}

func TestCodecMismatch(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, string](t, dir, nil)
	require.NoError(t, m.Put("a", "b"))
	require.NoError(t, m.Close())

	_, err := diskmap.Open[uint64, string](dir, nil)
	require.ErrorIs(t, err, diskmap.ErrCodecMismatch, "other key type")
	_, err = diskmap.Open[string, []byte](dir, nil)
	require.ErrorIs(t, err, diskmap.ErrCodecMismatch, "other value type")
	_, err = diskmap.Open[string, uint64](dir, &diskmap.Options{ReadOnly: true})
	require.ErrorIs(t, err, diskmap.ErrCodecMismatch, "read-only, other value type")

	// The failed opens released the directory.
	m = openMap[string, string](t, dir, nil)
	v, _, err := m.Get("a")
	require.NoError(t, err)
	require.Equal(t, "b", v)
}

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts diskmap.Options
	}{
		{"MaxLoad negative", diskmap.Options{MaxLoad: -0.5}},
		{"MaxLoad above 0.95", diskmap.Options{MaxLoad: 0.96}},
		{"MaxLoad 1", diskmap.Options{MaxLoad: 1}},
		{"MaxLoad NaN", diskmap.Options{MaxLoad: math.NaN()}},
		{"MaxLoad +Inf", diskmap.Options{MaxLoad: math.Inf(1)}},
		{"Capacity negative", diskmap.Options{Capacity: -1}},
		{"KeyBytes negative", diskmap.Options{KeyBytes: -1}},
		{"ValueBytes negative", diskmap.Options{ValueBytes: -1}},
		{"CompactAt 1", diskmap.Options{CompactAt: 1}},
		{"CompactAt NaN", diskmap.Options{CompactAt: math.NaN()}},
		{"CompactAt +Inf", diskmap.Options{CompactAt: math.Inf(1)}},
		{"CompactMinBytes negative", diskmap.Options{CompactMinBytes: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "m")
			m, err := diskmap.Open[string, string](dir, &tc.opts)
			require.Error(t, err)
			require.Nil(t, m)
			_, err = os.Stat(dir)
			require.ErrorIs(t, err, os.ErrNotExist, "a rejected Open creates nothing")
		})
	}
	for _, tc := range []struct {
		name string
		opts diskmap.Options
	}{
		{"MaxLoad 0.95", diskmap.Options{MaxLoad: 0.95}},
		{"MaxLoad 0.25", diskmap.Options{MaxLoad: 0.25}},
		{"Capacity 1", diskmap.Options{Capacity: 1}},
		{"CompactAt negative", diskmap.Options{CompactAt: -1}},
		{"CompactAt 0.99", diskmap.Options{CompactAt: 0.99, CompactMinBytes: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := openMap[string, string](t, t.TempDir(), &tc.opts)
			for i := range 100 {
				require.NoError(t, m.Put(fmt.Sprint(i), "v"))
			}
			require.Equal(t, 100, m.Len())
			maxLoad := tc.opts.MaxLoad
			if maxLoad == 0 {
				maxLoad = 0.75
			}
			require.LessOrEqual(t, m.Stats().LoadFactor, maxLoad)
		})
	}
}

func TestAliases(t *testing.T) {
	var ss *diskmap.StringStringMap = openMap[string, string](t, t.TempDir(), nil) //nolint:staticcheck // the alias type is what this test checks
	require.NoError(t, ss.Put("k", "v"))
	v, _, err := ss.Get("k")
	require.NoError(t, err)
	require.Equal(t, "v", v)

	dir := t.TempDir()
	var su *diskmap.StringU64Map = openMap[string, uint64](t, dir, nil) //nolint:staticcheck // the alias type is what this test checks
	require.NoError(t, su.Put("hits", 41))
	n, err := su.Entry("hits").AndModify(func(n *uint64) { *n++ }).OrInsert(0)
	require.NoError(t, err)
	require.Equal(t, uint64(42), n)
	require.NoError(t, su.Close())
	// The alias is the same type: the map opens as Map[string, uint64].
	su2 := openMap[string, uint64](t, dir, nil)
	n, _, err = su2.Get("hits")
	require.NoError(t, err)
	require.Equal(t, uint64(42), n)

	var us *diskmap.U64StringMap = openMap[uint64, string](t, t.TempDir(), nil) //nolint:staticcheck // the alias type is what this test checks
	require.NoError(t, us.Put(1<<63, "big"))
	s, _, err := us.Get(1 << 63)
	require.NoError(t, err)
	require.Equal(t, "big", s)

	var bm *diskmap.BytesMap = openMap[[]byte, []byte](t, t.TempDir(), nil) //nolint:staticcheck // the alias type is what this test checks
	require.NoError(t, bm.Put([]byte{0, 1, 2}, []byte{3, 4}))
	b, _, err := bm.Get([]byte{0, 1, 2})
	require.NoError(t, err)
	require.Equal(t, []byte{3, 4}, b)
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	w := openMap[string, string](t, dir, nil)
	for i := range 10 {
		require.NoError(t, w.Put(fmt.Sprint(i), fmt.Sprint("v", i)))
	}
	require.NoError(t, w.Close())

	ro := &diskmap.Options{ReadOnly: true}
	r1 := openMap[string, string](t, dir, ro)
	r2 := openMap[string, string](t, dir, ro) // two readers at once
	for _, r := range []*diskmap.Map[string, string]{r1, r2} {
		require.Equal(t, 10, r.Len())
		v, found, err := r.Get("3")
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, "v3", v)
		ok, err := r.Contains("9")
		require.NoError(t, err)
		require.True(t, ok)
		b, _, err := r.View("0")
		require.NoError(t, err)
		require.Equal(t, []byte("v0"), b)
		require.Len(t, slices.Collect(r.Keys()), 10)
		require.NoError(t, r.Err())
		require.Equal(t, 10, r.Stats().Len)
		require.NoError(t, r.Check())
		require.NoError(t, r.Sync(), "Sync of a read-only map has nothing to do")
	}

	require.ErrorIs(t, r1.Put("a", "b"), diskmap.ErrReadOnly, "Put")
	require.ErrorIs(t, r1.Put("1", "b"), diskmap.ErrReadOnly, "Put of an existing key")
	_, err := r1.Delete("1")
	require.ErrorIs(t, err, diskmap.ErrReadOnly, "Delete")
	require.ErrorIs(t, r1.Compact(), diskmap.ErrReadOnly, "Compact")
	require.ErrorIs(t, r1.Entry("new").Set("x"), diskmap.ErrReadOnly, "Entry.Set")
	require.ErrorIs(t, r1.Entry("1").Delete(), diskmap.ErrReadOnly, "Entry.Delete")
	_, err = r1.Entry("new").OrInsert("x")
	require.ErrorIs(t, err, diskmap.ErrReadOnly, "Entry.OrInsert")
	_, err = r1.Entry("1").AndModify(func(s *string) { *s += "!" }).OrInsert("x")
	require.ErrorIs(t, err, diskmap.ErrReadOnly, "Entry.AndModify")
	require.Equal(t, 10, r1.Len())
	v, _, err := r1.Get("1")
	require.NoError(t, err)
	require.Equal(t, "v1", v, "failed writes changed nothing")

	// A writer cannot open the map while readers hold it.
	_, err = diskmap.Open[string, string](dir, nil)
	require.ErrorIs(t, err, diskmap.ErrLocked, "writer while readers hold it")
	require.NoError(t, r1.Close())
	require.NoError(t, r2.Close())

	// A reader cannot open the map while a writer holds it.
	w = openMap[string, string](t, dir, nil)
	_, err = diskmap.Open[string, string](dir, ro)
	require.ErrorIs(t, err, diskmap.ErrLocked, "reader while a writer holds it")
	require.NoError(t, w.Close())

	// A read-only Open creates nothing.
	missing := filepath.Join(t.TempDir(), "none")
	_, err = diskmap.Open[string, string](missing, ro)
	require.Error(t, err)
	_, err = os.Stat(missing)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSecondWriterLocked(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, string](t, dir, nil)
	require.NoError(t, m.Put("a", "1"))

	start := time.Now()
	m2, err := diskmap.Open[string, string](dir, nil)
	require.ErrorIs(t, err, diskmap.ErrLocked)
	require.Nil(t, m2)
	require.Less(t, time.Since(start), 5*time.Second, "Open waited for the lock")

	// The first map is unharmed, and once it is closed the next Open works.
	v, _, err := m.Get("a")
	require.NoError(t, err)
	require.Equal(t, "1", v)
	require.NoError(t, m.Close())
	m = openMap[string, string](t, dir, nil)
	require.Equal(t, 1, m.Len())
}

func TestStats(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, string](t, dir, &diskmap.Options{Capacity: 12})
	st := m.Stats()
	require.Equal(t, 0, st.Len)
	require.Equal(t, 16, st.Capacity)
	require.Equal(t, int64(layout.MetaSize+16*layout.SlotSize), st.TableBytes)

	keys := map[string]string{}
	var keyLive, valLive int64
	for i := range 10 {
		k, v := fmt.Sprintf("key%d", i), fmt.Sprintf("value-%d", i)
		require.NoError(t, m.Put(k, v))
		keys[k] = v
		keyLive += layout.RecordSize(len(k))
		valLive += layout.RecordSize(len(v))
	}
	st = m.Stats()
	require.Equal(t, 10, st.Len)
	require.Equal(t, 16, st.Capacity)
	require.Equal(t, 0, st.Tombstones)
	require.InDelta(t, 10.0/16, st.LoadFactor, 1e-9)
	require.Equal(t, diskmap.ArenaStats{Live: keyLive, Dead: 0, Size: st.Keys.Size}, st.Keys)
	require.Equal(t, diskmap.ArenaStats{Live: valLive, Dead: 0, Size: st.Values.Size}, st.Values)
	require.GreaterOrEqual(t, st.Keys.Size, int64(layout.ArenaHeaderSize)+keyLive)
	require.Zero(t, st.Resizes)
	require.Zero(t, st.Compacted)

	// Updates leave the old values dead.
	var valDead int64
	for _, k := range []string{"key1", "key2", "key3"} {
		nv := keys[k] + "-updated-to-a-longer-value"
		require.NoError(t, m.Put(k, nv))
		valDead += layout.RecordSize(len(keys[k]))
		valLive += layout.RecordSize(len(nv)) - layout.RecordSize(len(keys[k]))
		keys[k] = nv
	}
	st = m.Stats()
	require.Equal(t, 10, st.Len)
	require.Equal(t, diskmap.ArenaStats{Live: keyLive, Dead: 0, Size: st.Keys.Size}, st.Keys)
	require.Equal(t, diskmap.ArenaStats{Live: valLive, Dead: valDead, Size: st.Values.Size}, st.Values)

	// Deletes leave tombstones and both records dead.
	var keyDead int64
	for _, k := range []string{"key4", "key5"} {
		_, err := m.Delete(k)
		require.NoError(t, err)
		keyDead += layout.RecordSize(len(k))
		keyLive -= layout.RecordSize(len(k))
		valDead += layout.RecordSize(len(keys[k]))
		valLive -= layout.RecordSize(len(keys[k]))
		delete(keys, k)
	}
	st = m.Stats()
	require.Equal(t, 8, st.Len)
	require.Equal(t, 2, st.Tombstones)
	require.InDelta(t, 10.0/16, st.LoadFactor, 1e-9)
	require.Equal(t, diskmap.ArenaStats{Live: keyLive, Dead: keyDead, Size: st.Keys.Size}, st.Keys)
	require.Equal(t, diskmap.ArenaStats{Live: valLive, Dead: valDead, Size: st.Values.Size}, st.Values)

	// Growth rebuilds the table: more slots, no tombstones.
	for i := 10; i < 20; i++ {
		require.NoError(t, m.Put(fmt.Sprintf("key%d", i), "v"))
	}
	st = m.Stats()
	require.Equal(t, 18, st.Len)
	require.Greater(t, st.Capacity, 16)
	require.GreaterOrEqual(t, st.Resizes, uint64(1))
	require.Zero(t, st.Tombstones)
	require.Equal(t, int64(layout.MetaSize+st.Capacity*layout.SlotSize), st.TableBytes)
	require.LessOrEqual(t, st.LoadFactor, 0.75)
	resizes := st.Resizes

	require.NoError(t, m.Compact())
	st = m.Stats()
	require.Equal(t, 18, st.Len)
	require.Equal(t, uint64(1), st.Compacted)
	require.Equal(t, resizes, st.Resizes)
	require.Zero(t, st.Tombstones)
	require.Zero(t, st.Keys.Dead)
	require.Zero(t, st.Values.Dead)

	// The counters persist.
	require.NoError(t, m.Close())
	m = openMap[string, string](t, dir, nil)
	st2 := m.Stats()
	require.Equal(t, st.Len, st2.Len)
	require.Equal(t, st.Capacity, st2.Capacity)
	require.Equal(t, st.Keys.Live, st2.Keys.Live)
	require.Equal(t, st.Values.Live, st2.Values.Live)
	require.Equal(t, resizes, st2.Resizes)
	require.Equal(t, uint64(1), st2.Compacted)
}

func TestTableDoublesPastMaxLoad(t *testing.T) {
	// Each growth doubles the table, the load after it is half the maximum,
	// and the table never grows before it passes the maximum.
	m := openMap[int, int](t, t.TempDir(), &diskmap.Options{Capacity: 12})
	capacity, resizes := m.Stats().Capacity, uint64(0)
	require.Equal(t, 16, capacity)
	for i := range 5000 {
		require.NoError(t, m.Put(i, i))
		st := m.Stats()
		if st.Capacity == capacity {
			require.LessOrEqual(t, st.LoadFactor, 0.75, "%d keys", st.Len)
			continue
		}
		require.Equal(t, 2*capacity, st.Capacity, "growth at %d keys", st.Len)
		require.Greater(t, float64(st.Len), 0.75*float64(capacity), "grew before the table was full")
		require.Equal(t, resizes+1, st.Resizes)
		capacity, resizes = st.Capacity, st.Resizes
	}

	// A batch that would pass the maximum load while most of the load is
	// tombstones rebuilds the table at its size.
	for i := range 4000 {
		_, err := m.Delete(i)
		require.NoError(t, err)
	}
	require.NoError(t, m.Batch(func(b *diskmap.Batch[int, int]) error {
		for i := range capacity / 4 {
			if err := b.Put(5000+i, i); err != nil {
				return err
			}
		}
		return nil
	}))
	st := m.Stats()
	require.Equal(t, resizes+1, st.Resizes)
	require.Equal(t, capacity, st.Capacity)
	require.Zero(t, st.Tombstones)
	require.NoError(t, m.Check())
}

// mapFilesSize returns the total size of the three files of the map in dir.
func mapFilesSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, name := range []string{"buckets", "keys", "values"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		n += fi.Size()
	}
	return n
}

func TestCompact(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, []byte](t, dir, nil)
	want := map[string][]byte{}
	for i := range 2000 {
		k := fmt.Sprintf("key-%06d", i)
		v := bytes.Repeat([]byte{byte(i)}, 20+i%180)
		require.NoError(t, m.Put(k, v))
		want[k] = v
	}
	// Make dead records: rewrite every value three times, delete a third.
	for round := range 3 {
		for i := range 2000 {
			k := fmt.Sprintf("key-%06d", i)
			if _, ok := want[k]; !ok {
				continue
			}
			v := bytes.Repeat([]byte{byte(i + round)}, 20+(i+round)%180)
			require.NoError(t, m.Put(k, v))
			want[k] = v
		}
	}
	for i := 0; i < 2000; i += 3 {
		k := fmt.Sprintf("key-%06d", i)
		_, err := m.Delete(k)
		require.NoError(t, err)
		delete(want, k)
	}
	order := slices.Collect(m.Keys())
	require.NoError(t, m.Sync())
	before := m.Stats()
	require.Greater(t, before.Keys.Dead, int64(0))
	require.Greater(t, before.Values.Dead, int64(0))
	sizeBefore := mapFilesSize(t, dir)

	require.NoError(t, m.Compact())
	st := m.Stats()
	require.Zero(t, st.Keys.Dead)
	require.Zero(t, st.Values.Dead)
	require.Zero(t, st.Tombstones)
	require.Equal(t, before.Keys.Live, st.Keys.Live)
	require.Equal(t, before.Values.Live, st.Values.Live)
	require.Equal(t, len(want), st.Len)
	require.Equal(t, len(want), m.Len())
	require.Equal(t, order, slices.Collect(m.Keys()), "Compact keeps the order")
	for k, v := range m.All() {
		require.Equal(t, want[k], v, "value of %q", k)
	}
	require.NoError(t, m.Err())
	require.NoError(t, m.Check())

	var raw int64
	for k, v := range want {
		raw += int64(len(k) + len(v))
	}
	budget := 1.5 * float64(raw+int64(layout.SlotSize*st.Capacity))
	size := mapFilesSize(t, dir)
	t.Logf("files: %d bytes before Compact, %d after; raw %d bytes, %d slots", sizeBefore, size, raw, st.Capacity)
	require.Less(t, size, sizeBefore)
	require.LessOrEqual(t, float64(size), budget, "files after Compact")

	// The compacted map takes writes, and keeps all of it across a reopen.
	require.NoError(t, m.Put("key-000000", []byte("back")))
	want["key-000000"] = []byte("back")
	order = append(order, "key-000000")
	require.NoError(t, m.Put("key-000001", []byte("updated")))
	want["key-000001"] = []byte("updated")
	require.NoError(t, m.Close())
	require.LessOrEqual(t, float64(mapFilesSize(t, dir)), budget+8192, "files after Close")

	m = openMap[string, []byte](t, dir, nil)
	require.Equal(t, order, slices.Collect(m.Keys()))
	for k, v := range m.All() {
		require.Equal(t, want[k], v, "value of %q", k)
	}
	require.NoError(t, m.Err())
}

// TestInsertReusesTombstone follows the Insert steps of the format: a new key
// fills the first deleted slot its probe passed, which keeps tombstones from
// piling up. Probes wrap around the end of the table, and so must this rule.
func TestInsertReusesTombstone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		and, or uint64
	}{
		{"no wrap", 0, 0},       // every key's home is slot 0
		{"wrap", 0, ^uint64(0)}, // every key's home is the last slot
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := openMap[string, string](t, t.TempDir(), nil)
			diskmap.SetHashBits(m, tc.and, tc.or)
			require.NoError(t, m.Put("a", "1"))
			require.NoError(t, m.Put("b", "2"))
			_, err := m.Delete("a")
			require.NoError(t, err)
			require.Equal(t, 1, m.Stats().Tombstones)
			require.NoError(t, m.Put("c", "3"))
			require.Equal(t, 0, m.Stats().Tombstones, "the insert did not reuse the deleted slot")
			require.Equal(t, []string{"b", "c"}, slices.Collect(m.Keys()))
		})
	}
}

func TestCompactEmptyAndRepeated(t *testing.T) {
	dir := t.TempDir()
	m := openMap[string, string](t, dir, nil)
	require.NoError(t, m.Compact(), "Compact of a new map")
	require.Equal(t, 0, m.Len())
	require.NoError(t, m.Put("a", "1"))
	_, err := m.Delete("a")
	require.NoError(t, err)
	require.NoError(t, m.Compact(), "Compact of a map whose keys are all deleted")
	require.NoError(t, m.Check())

	// The compacted arenas are cut to their contents; puts must grow them.
	for i := range 300 {
		require.NoError(t, m.Put(fmt.Sprint(i), fmt.Sprint("value ", i)))
	}
	require.NoError(t, m.Compact())
	require.NoError(t, m.Compact())
	require.Equal(t, uint64(4), m.Stats().Compacted)
	for i := range 300 {
		require.NoError(t, m.Put(fmt.Sprint(i), fmt.Sprint("again ", i)))
	}
	require.NoError(t, m.Close())
	m = openMap[string, string](t, dir, nil)
	require.Equal(t, 300, m.Len())
	v, _, err := m.Get("299")
	require.NoError(t, err)
	require.Equal(t, "again 299", v)
}

func TestLargeValues(t *testing.T) {
	dir := t.TempDir()
	m := openMap[uint64, []byte](t, dir, nil)
	vals := map[uint64][]byte{}
	for i := range uint64(6) {
		v := bytes.Repeat([]byte{byte('a' + i)}, 300<<10+int(i)) // each past the arena's first 64 KiB
		require.NoError(t, m.Put(i, v))
		vals[i] = v
	}
	// Put a value taken from the map's own view back under another key.
	b, _, err := m.View(2)
	require.NoError(t, err)
	require.NoError(t, m.Put(100, b))
	vals[100] = vals[2]
	require.NoError(t, m.Close())

	m = openMap[uint64, []byte](t, dir, nil)
	require.Equal(t, len(vals), m.Len())
	for k, want := range vals {
		got, found, err := m.Get(k)
		require.NoError(t, err)
		require.True(t, found)
		require.True(t, bytes.Equal(want, got), "value of %d", k)
	}
}

// A read-only map opened in a WAL mode has no log: the calls about it
// answer at once instead of reaching for one.
func TestReadOnlyWithLogMode(t *testing.T) {
	dir := t.TempDir()
	w := openMap[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
	require.NoError(t, w.Put("k", "v"))
	require.NoError(t, w.Close())
	r := openMap[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWALSync, ReadOnly: true})
	require.NoError(t, r.Sync())
	require.NoError(t, r.Checkpoint())
	require.NoError(t, r.WaitSynced(r.LastSeq()))
	require.NoError(t, r.WaitSynced(7))
	err := r.Batch(func(b *diskmap.Batch[string, string]) error { return b.Put("x", "y") })
	require.ErrorIs(t, err, diskmap.ErrReadOnly)
	v, ok, err := r.Get("k")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "v", v)
}
