package concurrent_test

import (
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// keysIn returns n keys of shard i of m, and n of other shards.
func keysIn[V any](m *concurrent.Map[string, V], i, n int) (same, other []string) {
	for j := 0; len(same) < n || len(other) < n; j++ {
		k := fmt.Sprint("k", j)
		if concurrent.ShardOf(m, k) == i {
			if len(same) < n {
				same = append(same, k)
			}
		} else if len(other) < n {
			other = append(other, k)
		}
	}
	return same, other
}

// TestCallbackPanic: a panic in fn releases the shard.
func TestCallbackPanic(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(2))
	for _, call := range []func(){
		func() { _ = m.Update("k", func(*diskmap.Entry[string, string]) error { panic("in Update") }) },
		func() { _, _ = m.View("k", func([]byte) error { panic("in View") }) },
	} {
		if err := m.Put("k", "v"); err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic in fn did not reach the caller")
				}
			}()
			call()
		}()
		if err := m.Put("k", "after"); err != nil {
			t.Fatal(err)
		}
	}
}
