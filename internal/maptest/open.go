package maptest

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// Open opens the map in dir for the test. When the test ends, the map is
// checked with Check and closed, unless the test closed it already.
func Open[K, V any](t testing.TB, dir string, opts *diskmap.Options) *diskmap.Map[K, V] {
	t.Helper()
	m, err := diskmap.Open[K, V](dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { CloseChecked(t, m) })
	return m
}

// OpenSharded is Open for a sharded map.
func OpenSharded[K, V any](t testing.TB, dir string, opts *concurrent.Options) *concurrent.Map[K, V] {
	t.Helper()
	m, err := concurrent.Open[K, V](dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { CloseChecked(t, m) })
	return m
}

// A Checker is a map that can check itself and be closed: a diskmap.Map
// or a concurrent.Map.
type Checker interface {
	Check() error
	io.Closer
}

// CloseChecked runs Check on m and closes it; a map closed already is fine.
func CloseChecked(t testing.TB, m Checker) {
	t.Helper()
	if err := m.Check(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Check: %v", err)
	}
	CheckClose(t, m)
}

// CheckClose closes c and fails the test if Close fails; a map closed
// already is fine.
func CheckClose(t testing.TB, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
}

// OpenCatching is diskmap.Open with a panic turned into an error that
// says so.
func OpenCatching[K, V any](dir string, opts *diskmap.Options) (*diskmap.Map[K, V], error) {
	return catching(func() (*diskmap.Map[K, V], error) { return diskmap.Open[K, V](dir, opts) })
}

// OpenShardedCatching is concurrent.Open with a panic turned into an
// error that says so.
func OpenShardedCatching[K, V any](dir string, opts *concurrent.Options) (*concurrent.Map[K, V], error) {
	return catching(func() (*concurrent.Map[K, V], error) { return concurrent.Open[K, V](dir, opts) })
}

func catching[M any](open func() (M, error)) (m M, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("Open panicked: %v", p)
		}
	}()
	return open()
}
