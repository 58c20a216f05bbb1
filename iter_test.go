package diskmap_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
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
		if err := m.Put(k, i); err != nil {
			t.Fatalf("Put(%q, …): %v", k, err)
		}
	}
	return keys
}

// requireOrder checks that All, Keys and Values agree and follow want.
func requireOrder(t *testing.T, m *diskmap.Map[string, int], want []string, vals map[string]int) {
	t.Helper()
	var keys []string
	for k, v := range m.All() {
		keys = append(keys, k)
		if v != vals[k] {
			t.Fatalf("v = %d, want %d (All: value of %q)", v, vals[k], k)
		}
	}
	if err := m.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("All: keys = %v, want %v", keys, want)
	}
	if got := slices.Collect(m.Keys()); !slices.Equal(got, want) {
		t.Fatalf("Keys: slices.Collect(m.Keys()) = %v, want %v", got, want)
	}
	var wantVals []int
	for _, k := range want {
		wantVals = append(wantVals, vals[k])
	}
	if got := slices.Collect(m.Values()); !slices.Equal(got, wantVals) {
		t.Fatalf("Values: slices.Collect(m.Values()) = %v, want %v", got, wantVals)
	}
	if err := m.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
}

func TestIterInsertionOrder(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		opts.Capacity = 8
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 500) // grows the table several times
		vals := map[string]int{}
		for i, k := range keys {
			vals[k] = i
		}
		requireOrder(t, m, keys, vals)
	})
}

func TestIterOrderAfterChanges(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m := maptest.Open[string, int](t, dir, opts)
		keys := fillShuffled(t, m, 50)
		vals := map[string]int{}
		for i, k := range keys {
			vals[k] = i
		}

		// An update keeps the key's place.
		if err := m.Put(keys[0], 1000); err != nil {
			t.Fatalf("Put(%q, …): %v", keys[0], err)
		}
		if err := m.Entry(keys[10]).Set(1010); err != nil {
			t.Fatalf("Set(1010): %v", err)
		}
		vals[keys[0]], vals[keys[10]] = 1000, 1010
		requireOrder(t, m, keys, vals)

		// A key deleted and put again moves to the end.
		for _, k := range []string{keys[5], keys[0]} {
			if _, err := m.Delete(k); err != nil {
				t.Fatalf("Delete(%q): %v", k, err)
			}
			if err := m.Put(k, 2000); err != nil {
				t.Fatalf("Put(%q, …): %v", k, err)
			}
			vals[k] = 2000
			keys = append(slices.DeleteFunc(keys, func(s string) bool { return s == k }), k)
		}
		requireOrder(t, m, keys, vals)

		// A deleted key drops out of the order.
		if _, err := m.Delete(keys[1]); err != nil {
			t.Fatalf("Delete(%q): %v", keys[1], err)
		}
		delete(vals, keys[1])
		keys = slices.Delete(keys, 1, 2)
		requireOrder(t, m, keys, vals)

		// Compact and reopening keep the order.
		if err := m.Compact(); err != nil {
			t.Fatalf("Compact: %v", err)
		}
		requireOrder(t, m, keys, vals)
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		m = maptest.Open[string, int](t, dir, opts)
		requireOrder(t, m, keys, vals)
	})
}

func TestIterDeleteCurrent(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 100)
		var seen []string
		for k := range m.Keys() {
			seen = append(seen, k)
			if found, err := m.Delete(k); err != nil || !found {
				t.Fatalf("Delete(%q) = %v, %v; want true, nil", k, found, err)
			}
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		if !slices.Equal(seen, keys) {
			t.Fatalf("seen = %v, want %v", seen, keys)
		}
		if got := m.Len(); got != 0 {
			t.Fatalf("m.Len() = %d, want 0", got)
		}
	})
}

func TestIterUpdateCurrent(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 100)
		var seen []string
		for k, v := range m.All() {
			seen = append(seen, k)
			if err := m.Put(k, v+1000); err != nil {
				t.Fatalf("Put(%q, …): %v", k, err)
			}
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		if !slices.Equal(seen, keys) {
			t.Fatalf("seen = %v, want %v (each key once, in order)", seen, keys)
		}
		for i, k := range keys {
			if v, _, err := m.Get(k); err != nil || v != i+1000 {
				t.Fatalf("Get(%q) = %d, %v; want %d, nil (%q updated once)", k, v, err, i+1000, k)
			}
		}
	})
}

func TestIterDeleteLater(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 20)
		var seen []string
		for k := range m.Keys() {
			if len(seen) == 0 {
				for _, later := range []string{keys[1], keys[19], keys[7]} {
					if _, err := m.Delete(later); err != nil {
						t.Fatalf("Delete(%q): %v", later, err)
					}
				}
			}
			seen = append(seen, k)
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		want := slices.Clone(keys)
		want = slices.DeleteFunc(want, func(s string) bool { return s == keys[1] || s == keys[19] || s == keys[7] })
		if !slices.Equal(seen, want) {
			t.Fatalf("seen = %v, want %v (deleted keys not yet reached are not visited)", seen, want)
		}
	})
}

func TestIterUpdateLater(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 20)
		got := map[string]int{}
		for k, v := range m.All() {
			if len(got) == 0 {
				if err := m.Put(keys[15], -15); err != nil {
					t.Fatalf("Put(%q, …): %v", keys[15], err)
				}
			}
			got[k] = v
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		if len(got) != 20 {
			t.Fatalf("len(got) = %d, want 20", len(got))
		}
		if got[keys[15]] != -15 {
			t.Fatalf("got[keys[15]] = %d, want -15 (a key not yet reached is visited with its new value)", got[keys[15]])
		}
	})
}

func TestIterInsertDuring(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		// A small table, so that the inserts grow it during the iteration.
		opts.Capacity = 8
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 8)
		before := m.Stats().Capacity
		var added []string
		var seen []string
		for k := range m.Keys() {
			seen = append(seen, k)
			if len(added) < 100 {
				n := fmt.Sprintf("new%03d", len(added))
				if err := m.Put(n, 0); err != nil {
					t.Fatalf("Put(%q, …): %v", n, err)
				}
				added = append(added, n)
			}
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		if m.Stats().Capacity <= before {
			t.Fatalf("m.Stats().Capacity = %d, want > %d (the table grew)", m.Stats().Capacity, before)
		}
		if !slices.Equal(seen, append(keys, added...)) {
			t.Fatalf("seen = %v, want %v (inserted keys are visited at the end)", seen, append(keys, added...))
		}
	})
}

func TestIterReinsertDuring(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 5)
		var seen []string
		for k := range m.Keys() {
			seen = append(seen, k)
			if k == keys[2] {
				if _, err := m.Delete(keys[0]); err != nil {
					t.Fatalf("Delete(%q): %v", keys[0], err)
				}
				if err := m.Put(keys[0], 0); err != nil {
					t.Fatalf("Put(%q, …): %v", keys[0], err)
				}
			}
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
		if !slices.Equal(seen, append(slices.Clone(keys), keys[0])) {
			t.Fatalf("seen = %v, want %v (a key deleted and put again moves to the end, visited twice)", seen, append(slices.Clone(keys), keys[0]))
		}
	})
}

func TestIterBreak(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		keys := fillShuffled(t, m, 10)
		var seen []string
		for k := range m.Keys() {
			seen = append(seen, k)
			if len(seen) == 3 {
				break
			}
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v (breaking out is not an error)", err)
		}
		if !slices.Equal(seen, keys[:3]) {
			t.Fatalf("seen = %v, want %v", seen, keys[:3])
		}
		n := 0
		for range m.All() {
			n++
			break
		}
		for range m.Values() {
			n++
			break
		}
		if n != 2 {
			t.Fatalf("n = %d, want 2", n)
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
	})
}

func TestIterCompactDuring(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
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
					if err := m.Compact(); err != nil {
						t.Fatalf("Compact: %v", err)
					}
				}
			})
			if n != 2 {
				t.Fatalf("n = %d, want 2 (%s: Compact ends the iteration)", n, name)
			}
			if err := m.Err(); !errors.Is(err, diskmap.ErrStale) {
				t.Fatalf("%s: Err: %v, want diskmap.ErrStale", name, err)
			}
			if err := m.Err(); err != nil {
				t.Fatalf("%s: Err after Err: %v, want nil: Err clears", name, err)
			}
		}
		if got := m.Len(); got != 10 {
			t.Fatalf("m.Len() = %d, want 10", got)
		}
	})
}

func TestIterCloseDuring(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		fillShuffled(t, m, 10)
		n := 0
		for range m.All() {
			n++
			if err := m.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		if n != 1 {
			t.Fatalf("n = %d, want 1 (Close ends the iteration)", n)
		}
		if err := m.Err(); !errors.Is(err, diskmap.ErrStale) {
			t.Fatalf("Err: %v, want diskmap.ErrStale", err)
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
	})
}

func TestIterErrKeepsFirst(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, int](t, t.TempDir(), opts)
		fillShuffled(t, m, 3)
		for range m.Keys() {
			if err := m.Compact(); err != nil {
				t.Fatalf("Compact: %v", err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for range m.Keys() {
			t.Fatal("a closed map yielded")
		}
		if err := m.Err(); !errors.Is(err, diskmap.ErrStale) {
			t.Fatalf("Err: %v, want diskmap.ErrStale (the first error is kept)", err)
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v (Err forgets what it returned)", err)
		}
		for range m.Values() {
			t.Fatal("a closed map yielded")
		}
		if err := m.Err(); !errors.Is(err, diskmap.ErrClosed) {
			t.Fatalf("Err: %v, want diskmap.ErrClosed", err)
		}
		if err := m.Err(); err != nil {
			t.Fatalf("Err: %v", err)
		}
	})
}
