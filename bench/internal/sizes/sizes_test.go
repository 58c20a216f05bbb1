package sizes_test

import (
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/sizes"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// Every store runs every phase at the smallest and at a large value size,
// reading back what it wrote: each timed read compares its whole value, and
// the final check compares whole values.
func TestEveryStoreRunsEveryPhase(t *testing.T) {
	for _, k := range stores.All() {
		for _, size := range []int{8, 100, 64 << 10} {
			t.Run(fmt.Sprintf("%s/size=%d", k.Name, size), func(t *testing.T) {
				n := 300
				if size > 1000 {
					n = 40
				}
				// A small SyncBytes makes each write phase Sync a few times
				// on the way, as a full-size run does.
				res, err := sizes.Run(k, sizes.Config{Size: size, N: n, SyncBytes: int64(size) * 64, Seed: 3, Dir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				if res.Checked != n {
					t.Fatalf("%d keys read back in full, want %d", res.Checked, n)
				}
				for i, name := range sizes.Phases {
					p := res.Phases[i]
					if p.Name != name || p.Latency.N != uint64(n) || p.Nanos <= 0 || p.MBPerSec(n, size) <= 0 {
						t.Fatalf("phase %d: %+v, want %s timing %d calls", i, p, name, n)
					}
				}
				if load := res.Phase("load"); load.Syncs < n/64 || load.SyncNanos <= 0 || load.SyncNanos >= load.Nanos {
					t.Fatalf("load synced %d times in %d of its %d ns, want at least %d times, in part of its time", load.Syncs, load.SyncNanos, load.Nanos, n/64)
				}
			})
		}
	}
}

func TestRunRefusesValuesBelowTheMinimum(t *testing.T) {
	k, err := stores.Lookup("builtin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sizes.Run(k, sizes.Config{Size: 4, N: 10, Dir: t.TempDir()}); err == nil {
		t.Fatal("a run of 4-byte values ran")
	}
}
