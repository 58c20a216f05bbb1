package maptest

import (
	"bytes"
	"iter"
	"testing"

	"github.com/diskmap-go/diskmap"
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

// RequireBytes is RequireContents for a map of byte values, which are not
// comparable: it fails the test unless m holds exactly want, every key of
// want with its value and nothing else.
func RequireBytes[K comparable](t testing.TB, m *diskmap.Map[K, []byte], want map[K][]byte) {
	t.Helper()
	if m.Len() != len(want) {
		t.Errorf("Len = %d, want %d", m.Len(), len(want))
	}
	for k, v := range m.All() {
		if w, ok := want[k]; !ok || !bytes.Equal(v, w) {
			t.Errorf("the map holds %v = %d bytes %.20q; want %d bytes %.20q (acknowledged: %v)", k, len(v), v, len(w), w, ok)
		}
	}
	if err := m.Err(); err != nil {
		t.Fatalf("All: %v", err)
	}
	for k, v := range want {
		if got, ok, err := m.Get(k); err != nil || !ok || !bytes.Equal(got, v) {
			t.Errorf("Get(%v) = %d bytes %.20q, %v, %v; want %d bytes %.20q", k, len(got), got, ok, err, len(v), v)
		}
	}
}
