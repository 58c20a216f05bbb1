package maptest

import (
	"iter"
	"testing"
)

// A Reader is what RequireContents reads of a map: a diskmap.Map or a
// concurrent.Map.
type Reader[K, V comparable] interface {
	Len() int
	Get(k K) (V, bool, error)
	All() iter.Seq2[K, V]
	Err() error
}

// RequireContents fails the test unless m holds exactly want, as seen by
// Len, Get and All, and All yields each key once.
func RequireContents[K, V comparable](t testing.TB, m Reader[K, V], want map[K]V) {
	t.Helper()
	if m.Len() != len(want) {
		t.Errorf("Len = %d, want %d", m.Len(), len(want))
	}
	for k, v := range want {
		got, ok, err := m.Get(k)
		if err != nil || !ok || got != v {
			t.Fatalf("Get(%v) = %.20v, %v, %v; want %.20v", k, got, ok, err, v)
		}
	}
	seen := map[K]bool{}
	for k, v := range m.All() {
		if seen[k] {
			t.Fatalf("All yields %v twice", k)
		}
		seen[k] = true
		if w, ok := want[k]; !ok || w != v {
			t.Fatalf("All yields %v: %.20v, want %.20v (present %v)", k, v, w, ok)
		}
	}
	if err := m.Err(); err != nil {
		t.Fatalf("All: %v", err)
	}
	if len(seen) != len(want) {
		t.Errorf("All yields %d keys, want %d", len(seen), len(want))
	}
}
