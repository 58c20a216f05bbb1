package maptest

import (
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// HangLimit is how long an open may take before a test calls it a hang.
// Opening a named pipe waits for the other end forever: a hang is what a
// regression looks like, and the limit only stops the test.
const HangLimit = 20 * time.Second

// Within runs f on a goroutine of its own and returns what it returns. It
// fails the test if f has not returned within limit; what names the call
// in the message. The goroutine of a call that hangs is left behind.
func Within[T any](t testing.TB, limit time.Duration, what string, f func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(limit):
		t.Fatalf("%s still runs after %v", what, limit)
		var zero T
		return zero, nil
	}
}

// OpenWithin opens the string map in dir, failing the test if Open has not
// returned within HangLimit, and returns Open's error. A map it opens is
// checked and closed when the test ends.
func OpenWithin(t testing.TB, dir string, opts *diskmap.Options) error {
	t.Helper()
	m, err := Within(t, HangLimit, "Open("+dir+")", func() (*diskmap.Map[string, string], error) {
		return OpenCatching[string, string](dir, opts)
	})
	if m != nil {
		t.Cleanup(func() { CloseChecked(t, m) })
	}
	return err
}

// OpenShardedWithin is OpenWithin for a sharded map.
func OpenShardedWithin(t testing.TB, dir string, opts *concurrent.Options) error {
	t.Helper()
	m, err := Within(t, HangLimit, "Open("+dir+")", func() (*concurrent.Map[string, string], error) {
		return OpenShardedCatching[string, string](dir, opts)
	})
	if m != nil {
		t.Cleanup(func() { CloseChecked(t, m) })
	}
	return err
}
