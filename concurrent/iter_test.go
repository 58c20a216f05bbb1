package concurrent_test

import (
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// fill puts keys 0 to n-1, with values "v<i>", into m and returns them.
func fill(t testing.TB, m *concurrent.Map[string, string], n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		want[key(i)] = fmt.Sprint("v", i)
		if err := m.Put(key(i), want[key(i)]); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// TestIterOrder: All visits the shards in order, and each shard's keys in
// their insertion order; Keys and Values follow All.
func TestIterOrder(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	fill(t, m, 1000)
	var order [4][]string
	for i := range 1000 {
		s := concurrent.ShardOf(m, key(i))
		order[s] = append(order[s], key(i))
	}
	var want, got, keys, values []string
	for _, o := range order {
		want = append(want, o...)
	}
	for k, v := range m.All() {
		got = append(got, k)
		values = append(values, v)
	}
	for k := range m.Keys() {
		keys = append(keys, k)
	}
	var vals []string
	for v := range m.Values() {
		vals = append(vals, v)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("All or Keys out of order")
	}
	if fmt.Sprint(vals) != fmt.Sprint(values) {
		t.Errorf("Values differ from All's values")
	}
}

// TestIterBatches: a batch holds values as they were when it was read;
// later batches of the same shard see writes made since.
func TestIterBatches(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(1))
	fill(t, m, 1000)
	n := 0
	for k, v := range m.All() {
		if n == 0 {
			for i := range 1000 {
				if err := m.Put(key(i), "new"); err != nil {
					t.Fatal(err)
				}
			}
		}
		if old := v != "new"; old != (n < 256) {
			t.Fatalf("item %d, %s = %q: the first batch of 256 holds old values, the later ones new", n, k, v)
		}
		n++
	}
	if err := m.Err(); err != nil || n != 1000 {
		t.Fatalf("All: %d items, %v", n, err)
	}
}

// TestIterWritesDuring: the loop body may write to the map. A key deleted
// before its batch is read is not seen, a key inserted into the shard being
// visited is seen at its end, and one inserted into a shard visited already
// is not.
func TestIterWritesDuring(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	fill(t, m, 800)
	var order0 []string // shard 0's keys in insertion order
	for i := range 800 {
		if concurrent.ShardOf(m, key(i)) == 0 {
			order0 = append(order0, key(i))
		}
	}
	newKey := func(shard int, prefix string) string {
		for i := 0; ; i++ {
			if k := fmt.Sprint(prefix, i); concurrent.ShardOf(m, k) == shard {
				return k
			}
		}
	}
	early, late := newKey(0, "early"), newKey(0, "late")
	seen := map[string]int{}
	for k := range m.Keys() {
		seen[k]++
		switch {
		case len(seen) == 1: // in shard 0's first batch
			if err := m.Put(early, "x"); err != nil {
				t.Fatal(err)
			}
			for _, d := range order0[256:] {
				if _, err := m.Delete(d); err != nil {
					t.Fatal(err)
				}
			}
		case concurrent.ShardOf(m, k) == 1 && seen[late] == 0:
			if err := m.Put(late, "x"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%q seen %d times", k, n)
		}
	}
	for i, k := range order0 {
		if seen[k] != 0 != (i < 256) {
			t.Errorf("%q, key %d of shard 0: seen %v; want the first batch only", k, i, seen[k] != 0)
		}
	}
	if seen[early] != 1 || seen[late] != 0 {
		t.Errorf("inserted into shard 0 while it was visited: seen %d times; after: %d times", seen[early], seen[late])
	}
}

// TestIterBreak: breaking out of the loop is not an error, and leaves the
// map free.
func TestIterBreak(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	want := fill(t, m, 1000)
	for range m.All() {
		break
	}
	n := 0
	for range m.Values() {
		if n++; n == 700 {
			break
		}
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	maptest.RequireContents(t, m, want)
}

// TestIterCompactOrCloseDuring: Compact or Close from the loop body ends
// the iteration, and Err reports ErrStale, once.
func TestIterCompactOrCloseDuring(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"Compact", "Close"} {
		t.Run(op, func(t *testing.T) {
			m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
			fill(t, m, 1000)
			n := 0
			for range m.All() {
				if n++; n == 10 {
					var err error
					if op == "Compact" {
						err = m.Compact()
					} else {
						err = m.Close()
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := m.Err(); !errors.Is(err, diskmap.ErrStale) {
				t.Errorf("Err after %s during All: %v, want ErrStale", op, err)
			}
			if err := m.Err(); err != nil {
				t.Errorf("Err again: %v", err)
			}
			if n >= 1000 {
				t.Errorf("All went on after %s: %d items", op, n)
			}
		})
	}
}

// TestIterCopies: All yields copies, which stay valid after the map moves
// its records.
func TestIterCopies(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, []byte](t, t.TempDir(), shards(2))
	for i := range 300 {
		if err := m.Put(key(i), []byte(key(i))); err != nil {
			t.Fatal(err)
		}
	}
	got := maps.Collect(m.All())
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	for k, v := range got {
		if string(v) != k {
			t.Fatalf("%q = %q after Compact", k, v)
		}
	}
}
