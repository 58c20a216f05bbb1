package concurrent_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

func TestOptionsShards(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, 3, 6, concurrent.MaxShards * 2} {
		dir := filepath.Join(t.TempDir(), "m")
		if m, err := concurrent.Open[string, string](dir, shards(n)); err == nil {
			_ = m.Close()
			t.Errorf("Open with Shards %d succeeded", n)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("Open with Shards %d created %s", n, dir)
		}
	}
	for _, n := range []int{1, 2, 64} {
		m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(n))
		if got := len(m.Stats().Shards); got != n {
			t.Errorf("Shards %d: %d shards", n, got)
		}
	}
	m := maptest.OpenSharded[string, string](t, t.TempDir(), nil)
	got, procs := len(m.Stats().Shards), runtime.GOMAXPROCS(0)
	if got < 4*procs && got < 256 || got&(got-1) != 0 || got >= 8*procs {
		t.Errorf("default: %d shards with GOMAXPROCS %d", got, procs)
	}
}

// TestOptionsPassedToShards: options other than the sizes reach every
// shard as they are.
func TestOptionsPassedToShards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	maptest.WriteShardedSample(t, dir, 1)
	m := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	if _, err := m.Delete(key(1)); err == nil {
		t.Errorf("Delete from a map opened read-only succeeded")
	}
	m2 := maptest.OpenSharded[string, string](t, t.TempDir(), &concurrent.Options{Shards: 2, Map: diskmap.Options{MaxLoad: 0.25}})
	fill(t, m2, 200)
	for i, s := range m2.Stats().Shards {
		if s.LoadFactor > 0.25 {
			t.Errorf("shard %d: load factor %.2f, past the MaxLoad given", i, s.LoadFactor)
		}
	}
}
