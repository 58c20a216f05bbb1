package concurrent_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// openMap opens the map in dir for the test. When the test ends, the map is
// checked with Check and closed, unless the test closed it already.
func openMap[K, V any](t testing.TB, dir string, opts *concurrent.Options) *concurrent.Map[K, V] {
	t.Helper()
	m, err := concurrent.Open[K, V](dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { closeChecked(t, m) })
	return m
}

// closeChecked runs Check on m and closes it; a map closed already is fine.
func closeChecked[K, V any](t testing.TB, m *concurrent.Map[K, V]) {
	t.Helper()
	if err := m.Check(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Check: %v", err)
	}
	if err := m.Close(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
}

// checkClose closes m and fails the test if Close fails; a map closed
// already is fine. Deferred, it closes m when the function returns.
func checkClose(t testing.TB, m io.Closer) {
	t.Helper()
	if err := m.Close(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
}

// shards returns options for a map of n shards.
func shards(n int) *concurrent.Options { return &concurrent.Options{Shards: n} }

// key returns the i-th key of the tests and benchmarks: 16 bytes.
func key(i int) string { return fmt.Sprintf("key%013d", i) }

// requireContents fails the test unless m holds exactly want, as seen by
// Len, Get and All.
func requireContents(t testing.TB, m *concurrent.Map[string, string], want map[string]string) {
	t.Helper()
	if m.Len() != len(want) {
		t.Errorf("Len = %d, want %d", m.Len(), len(want))
	}
	for k, v := range want {
		got, ok, err := m.Get(k)
		if err != nil || !ok || got != v {
			t.Fatalf("Get(%q) = %.20q, %v, %v; want %.20q", k, got, ok, err, v)
		}
	}
	seen := map[string]bool{}
	for k, v := range m.All() {
		if seen[k] {
			t.Fatalf("All yields %q twice", k)
		}
		seen[k] = true
		if w, ok := want[k]; !ok || w != v {
			t.Fatalf("All yields %q: %.20q, want %.20q (present %v)", k, v, w, ok)
		}
	}
	if err := m.Err(); err != nil {
		t.Fatalf("All: %v", err)
	}
	if len(seen) != len(want) {
		t.Errorf("All yields %d keys, want %d", len(seen), len(want))
	}
}
