package diskmap_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// openSet opens the set in dir for the test, and checks and closes it when
// the test ends.
func openSet[K any](t *testing.T, dir string, opts *diskmap.Options) *diskmap.Set[K] {
	t.Helper()
	s, err := diskmap.OpenSet[K](dir, opts)
	if err != nil {
		t.Fatalf("OpenSet(%s): %v", dir, err)
	}
	t.Cleanup(func() { maptest.CloseChecked(t, s) })
	return s
}

// A Set answers as a set does, keeps its keys in the order they were
// first added, and holds them across Compact, a reopen and a crash, in
// every mode.
func TestSet(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := filepath.Join(t.TempDir(), "set")
		s := openSet[string](t, dir, opts)
		for _, add := range []struct {
			k     string
			added bool
		}{{"b", true}, {"a", true}, {"c", true}, {"a", false}, {"b", false}} {
			if added, err := s.Add(add.k); added != add.added || err != nil {
				t.Fatalf("Add(%s) = %v, %v; want %v", add.k, added, err, add.added)
			}
		}
		if has, err := s.Has("c"); !has || err != nil {
			t.Fatalf("Has(c) = %v, %v", has, err)
		}
		if has, err := s.Has("z"); has || err != nil {
			t.Fatalf("Has(z) = %v, %v", has, err)
		}
		if removed, err := s.Remove("b"); !removed || err != nil {
			t.Fatalf("Remove(b) = %v, %v", removed, err)
		}
		if removed, err := s.Remove("b"); removed || err != nil {
			t.Fatalf("Remove(b) again = %v, %v; want false", removed, err)
		}
		if _, err := s.Add("b"); err != nil {
			t.Fatal(err)
		}
		want := []string{"a", "c", "b"}
		requireSet(t, s, want)
		if err := s.Compact(); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
		requireSet(t, s, want)
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		requireSet(t, openSet[string](t, crashed, opts), want)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		requireSet(t, openSet[string](t, dir, opts), want)
	})
}

// requireSet fails the test unless s holds exactly want, in that order.
func requireSet(t *testing.T, s *diskmap.Set[string], want []string) {
	t.Helper()
	got := slices.Collect(s.All())
	if err := s.Err(); err != nil || !slices.Equal(got, want) || s.Len() != len(want) {
		t.Fatalf("the set holds %q (Len %d, Err %v), want %q", got, s.Len(), err, want)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

// A Set stores no value records: its values arena has no bytes in use,
// live or dead, whatever is added, removed and added again.
func TestSetStoresNoValues(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		s := openSet[uint64](t, t.TempDir(), opts)
		for i := range uint64(5000) {
			if _, err := s.Add(i); err != nil {
				t.Fatal(err)
			}
		}
		for i := uint64(0); i < 5000; i += 3 {
			if _, err := s.Remove(i); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Add(i); err != nil {
				t.Fatal(err)
			}
		}
		st := s.Stats()
		if st.Len != 5000 || st.Values.Live != 0 || st.Values.Dead != 0 || st.Keys.Live == 0 {
			t.Fatalf("Stats of a set of 5000 keys: %+v; want keys, and no value bytes", st)
		}
	})
}

// The directory of a Set is a Map of struct{} values; a map of other
// values is refused.
func TestSetIsAMapOfEmptyValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openSet[string](t, dir, nil)
	if _, err := s.Add("k"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	m := maptest.Open[string, struct{}](t, dir, nil)
	maptest.RequireContents(t, m, map[string]struct{}{"k": {}})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	other := t.TempDir()
	om := maptest.Open[string, string](t, other, nil)
	if err := om.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := diskmap.OpenSet[string](other, nil); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("OpenSet of a map of strings: %v, want ErrCodecMismatch", err)
	}
}

// Clear empties a set; a read-only set refuses writes.
func TestSetClearAndReadOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := openSet[int](t, dir, nil)
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
	r := openSet[int](t, dir, &diskmap.Options{ReadOnly: true})
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
