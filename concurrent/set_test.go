package concurrent_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// openSet opens the set in dir for the test, and checks and closes it when
// the test ends.
func openSet[K any](t *testing.T, dir string, opts *concurrent.Options) *concurrent.Set[K] {
	t.Helper()
	s, err := concurrent.OpenSet[K](dir, opts)
	if err != nil {
		t.Fatalf("OpenSet(%s): %v", dir, err)
	}
	t.Cleanup(func() { maptest.CloseChecked(t, s) })
	return s
}

// requireSet fails the test unless s holds exactly want, in any order.
func requireSet(t *testing.T, s *concurrent.Set[int], want []int) {
	t.Helper()
	got := slices.Sorted(s.All())
	if err := s.Err(); err != nil || !slices.Equal(got, want) || s.Len() != len(want) {
		t.Fatalf("the set holds %v (Len %d, Err %v), want %v", got, s.Len(), err, want)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// A Set answers as a set does, under many goroutines: each number is added
// by two of them, and exactly one is told it added it. It holds its keys
// across Compact, a crash and a reopen, in every mode, and stores no value
// records.
func TestSet(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "set")
		o := &concurrent.Options{Shards: 4, Map: *opts}
		s := openSet[int](t, dir, o)
		const n, goroutines = 200, 4
		added := make([][]bool, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			added[g] = make([]bool, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g % 2; i < 2*n; i += 2 {
					a, err := s.Add(i / 2)
					if err != nil {
						t.Error(err)
						return
					}
					added[g][i/2] = a
				}
			}()
		}
		wg.Wait()
		var want []int
		for i := range n {
			count := 0
			for g := range goroutines {
				if added[g][i] {
					count++
				}
			}
			if count != 1 {
				t.Fatalf("Add(%d) reported added %d times by %d goroutines, want once", i, count, goroutines)
			}
			if i%3 != 0 {
				want = append(want, i)
				continue
			}
			if removed, err := s.Remove(i); !removed || err != nil {
				t.Fatalf("Remove(%d) = %v, %v", i, removed, err)
			}
		}
		if has, err := s.Has(1); !has || err != nil {
			t.Fatalf("Has(1) = %v, %v", has, err)
		}
		if has, err := s.Has(3); has || err != nil {
			t.Fatalf("Has(3) after Remove = %v, %v", has, err)
		}
		if err := errors.Join(s.Compact(), s.Sync()); err != nil {
			t.Fatal(err)
		}
		requireSet(t, s, want)
		if st := s.Stats(); st.Len != len(want) || st.Values.Live != 0 || st.Values.Dead != 0 {
			t.Fatalf("Stats: Len %d, values %+v; want %d keys and no value bytes", st.Len, st.Values, len(want))
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		crashCopy(t, dir, crashed, 4)
		requireSet(t, openSet[int](t, crashed, o), want)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		requireSet(t, openSet[int](t, dir, o), want)
	})
}

// The directory of a Set is a Map of struct{} values; a map of other
// values is refused.
func TestSetIsAMapOfEmptyValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openSet[string](t, dir, shards(2))
	if _, err := s.Add("k"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	m := maptest.OpenSharded[string, struct{}](t, dir, nil)
	maptest.RequireContents(t, m, map[string]struct{}{"k": {}})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	om := maptest.OpenSharded[string, string](t, other, shards(2))
	if err := om.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := concurrent.OpenSet[string](other, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("OpenSet of a map of strings: %v, want ErrCodecMismatch", err)
	}
}

// Clear empties a set; a read-only set refuses writes; a closed one says
// so.
func TestSetClearReadOnlyClosed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openSet[int](t, dir, shards(2))
	for i := range 10 {
		if _, err := s.Add(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Clear(); err != nil || s.Len() != 0 {
		t.Fatalf("Clear = %v, Len %d after", err, s.Len())
	}
	if _, err := s.Add(7); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Add":    second2(s.Add(1)),
		"Has":    second2(s.Has(1)),
		"Remove": second2(s.Remove(1)),
		"Clear":  s.Clear(),
		"Check":  s.Check(),
		"Close":  s.Close(),
	} {
		if !errors.Is(err, diskmap.ErrClosed) {
			t.Errorf("%s on a closed set: %v, want ErrClosed", name, err)
		}
	}
	r := openSet[int](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	if _, err := r.Add(8); !errors.Is(err, diskmap.ErrReadOnly) {
		t.Fatalf("Add to a read-only set: %v, want ErrReadOnly", err)
	}
	if _, err := r.Remove(7); !errors.Is(err, diskmap.ErrReadOnly) {
		t.Fatalf("Remove from a read-only set: %v, want ErrReadOnly", err)
	}
	if got := fmt.Sprint(slices.Collect(r.All())); got != "[7]" {
		t.Fatalf("the read-only set holds %s, want [7]", got)
	}
}

// second2 returns the error of a call that answers a bool.
func second2(_ bool, err error) error { return err }
