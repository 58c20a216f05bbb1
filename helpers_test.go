package diskmap_test

import (
	"errors"
	"testing"

	"github.com/diskmap-go/diskmap"
)

// openMap opens the map in dir for the test. When the test ends, the map is
// checked with Check and closed, unless the test closed it already.
func openMap[K, V any](t testing.TB, dir string, opts *diskmap.Options) *diskmap.Map[K, V] {
	t.Helper()
	m, err := diskmap.Open[K, V](dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { closeChecked(t, m) })
	return m
}

// closeChecked runs Check on m and closes it; a map closed already is fine.
func closeChecked[K, V any](t testing.TB, m *diskmap.Map[K, V]) {
	t.Helper()
	if err := m.Check(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Check: %v", err)
	}
	if err := m.Close(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
}
