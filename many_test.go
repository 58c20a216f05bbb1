package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// manyMatchesOne checks that ViewMany and GetMany give, for every key of
// keys, what View and Get give for it alone.
func manyMatchesOne[K, V any](t *testing.T, m *diskmap.Map[K, V], keys []K) {
	t.Helper()
	calls := 0
	err := m.ViewMany(keys, func(i int, v []byte, found bool) error {
		if i != calls {
			t.Fatalf("i = %d, want %d (ViewMany calls fn in the order of keys)", i, calls)
		}
		calls++
		want, wantFound, err := m.View(keys[i])
		if err != nil {
			t.Fatalf("View: %v", err)
		}
		if found != wantFound || !bytes.Equal(v, want) || (v == nil) != (want == nil) {
			t.Fatalf("ViewMany gives key %v: %q (nil %v), %v; View: %q (nil %v), %v", keys[i], v, v == nil, found, want, want == nil, wantFound)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ViewMany: %v", err)
	}
	if calls != len(keys) {
		t.Fatalf("calls = %d, want %d", calls, len(keys))
	}

	vals, found, err := m.GetMany(keys)
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	if len(vals) != len(keys) {
		t.Fatalf("len(vals) = %d, want %d", len(vals), len(keys))
	}
	if len(found) != len(keys) {
		t.Fatalf("len(found) = %d, want %d", len(found), len(keys))
	}
	for i, k := range keys {
		want, wantFound, err := m.Get(k)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if found[i] != wantFound || !reflect.DeepEqual(vals[i], want) {
			t.Fatalf("GetMany gives key %v: %v, %v; Get: %v, %v", k, vals[i], found[i], want, wantFound)
		}
	}
}

func TestManyMatchesOne(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		t.Run("string", func(t *testing.T) {
			m := maptest.Open[string, string](t, t.TempDir(), opts)
			var keys []string
			for i := range 1000 {
				k := fmt.Sprint("key", i)
				if i%3 != 0 {
					if err := m.Put(k, fmt.Sprint("value", i)); err != nil {
						t.Fatalf("Put(%q, …): %v", k, err)
					}
				}
				keys = append(keys, k, k) // every key twice, present or not
			}
			if _, err := m.Delete("key1"); err != nil {
				t.Fatalf(`Delete("key1"): %v`, err)
			}
			manyMatchesOne(t, m, keys)
			manyMatchesOne(t, m, keys[:5]) // less than a group
			manyMatchesOne(t, m, nil)
		})
		t.Run("collisions", func(t *testing.T) {
			// Every key has the same home slot and fingerprint: no lookup
			// ends at its home slot, and the records read ahead are another
			// key's.
			opts.Capacity = 256
			m := maptest.Open[uint64, uint64](t, t.TempDir(), opts)
			diskmap.SetHashBits(m, 0, ^uint64(0))
			var keys []uint64
			for i := range uint64(100) {
				if err := m.Put(i, i*i); err != nil {
					t.Fatalf("Put(%d, …): %v", i, err)
				}
				keys = append(keys, i, i+1000)
			}
			manyMatchesOne(t, m, keys)
		})
		t.Run("encoded keys", func(t *testing.T) {
			// Keys that the codec encodes into buffers: each key of a group
			// needs its own.
			type point struct{ X, Y int }
			m := maptest.Open[point, int](t, t.TempDir(), opts)
			var keys []point
			for i := range 100 {
				if err := m.Put(point{i, -i}, i); err != nil {
					t.Fatalf("Put: %v", err)
				}
				keys = append(keys, point{i, -i}, point{-i, i + 1})
			}
			manyMatchesOne(t, m, keys)
		})
	})
}

func TestViewManyCallback(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[int, int](t, t.TempDir(), opts)
		keys := make([]int, 100)
		for i := range keys {
			keys[i] = i
			if err := m.Put(i, i); err != nil {
				t.Fatalf("Put(%d, …): %v", i, err)
			}
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
		if !errors.Is(err, stop) {
			t.Fatalf("ViewMany: %v, want %v", err, stop)
		}
		if calls != 41 {
			t.Fatalf("calls = %d, want 41", calls)
		}

		// fn may change the map: the lookups after it see the change.
		err = m.ViewMany(keys, func(i int, _ []byte, found bool) error {
			if found != (i%2 == 0 || i < 50) {
				t.Fatalf("found = %v, want %v (key %d)", found, i%2 == 0 || i < 50, i)
			}
			if i == 50 {
				for j := 51; j < 100; j += 2 {
					if _, err := m.Delete(j); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("ViewMany: %v", err)
		}

		// Closing the map in fn ends ViewMany with ErrClosed.
		err = m.ViewMany(keys, func(i int, _ []byte, _ bool) error {
			if i == 3 {
				return m.Close()
			}
			return nil
		})
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("ViewMany: %v, want diskmap.ErrClosed", err)
		}
		if _, _, err := m.GetMany(keys); !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("GetMany: %v, want diskmap.ErrClosed", err)
		}
	})
}
