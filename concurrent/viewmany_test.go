package concurrent_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// ViewMany gives every index of keys once, with the answer View gives for
// its key, shard after shard in shard order and, within a shard, in the
// order of keys.
func TestViewMany(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(8))
	for i := range 100 {
		if err := m.Put(key(i), fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{key(3), key(200), key(3), key(99), key(0), "", key(42)}
	for i := 150; i >= 0; i -= 7 {
		keys = append(keys, key(i))
	}
	want := make([][]byte, len(keys))
	for i, k := range keys {
		if _, err := m.View(k, func(b []byte) error { want[i] = bytes.Clone(b); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var calls []int
	err := m.ViewMany(keys, func(i int, v []byte, found bool) error {
		calls = append(calls, i)
		if found != (want[i] != nil) || !bytes.Equal(v, want[i]) {
			return fmt.Errorf("ViewMany: %q = %q, %v; View says %q", keys[i], v, found, want[i])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != len(keys) {
		t.Fatalf("fn called %d times for %d keys", len(calls), len(keys))
	}
	for j := 1; j < len(calls); j++ {
		a, b := calls[j-1], calls[j]
		sa, sb := concurrent.ShardOf(m, keys[a]), concurrent.ShardOf(m, keys[b])
		if sa > sb || sa == sb && a >= b {
			t.Fatalf("fn called for index %d (shard %d) before index %d (shard %d)", a, sa, b, sb)
		}
	}
}

// An error from fn stops ViewMany, which returns it; no keys, no calls.
func TestViewManyStops(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	keys := []string{key(1), key(2), key(3), key(4), key(5)}
	stop := errors.New("stop")
	calls := 0
	err := m.ViewMany(keys, func(int, []byte, bool) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("ViewMany = %v after %d calls; want the error of fn after 1", err, calls)
	}
	if err := m.ViewMany(nil, func(int, []byte, bool) error { return errors.New("called") }); err != nil {
		t.Fatalf("ViewMany of no keys: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	err = m.ViewMany(keys, func(int, []byte, bool) error { return errors.New("called") })
	if !errors.Is(err, diskmap.ErrClosed) {
		t.Fatalf("ViewMany after Close: %v, want ErrClosed", err)
	}
}
