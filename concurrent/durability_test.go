package concurrent_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// Every durability mode of the shards works under many writers, and what
// they wrote is there after a reopen. With DurabilityWALSync each writer
// waits for its fsync outside the shard's lock.
func TestDurabilityModes(t *testing.T) {
	t.Parallel()
	for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			opts := &concurrent.Options{Shards: 2, Map: diskmap.Options{Durability: d}}
			m, err := concurrent.Open[string, int](dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 40 {
						k := fmt.Sprintf("w%d-%d", w, i)
						if err := m.Put(k, i); err != nil {
							t.Error(err)
							return
						}
						if err := m.Update("total", func(e *diskmap.Entry[string, int]) error {
							_, err := e.AndModify(func(n *int) { *n++ }).OrInsert(1)
							return err
						}); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			m, err = concurrent.Open[string, int](dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer maptest.CheckClose(t, m)
			if n, ok, err := m.Get("total"); err != nil || !ok || n != 320 {
				t.Fatalf("total = %d, %v, %v; want 320", n, ok, err)
			}
			if m.Len() != 321 {
				t.Fatalf("Len %d, want 321", m.Len())
			}
		})
	}
}

// Group commit within one shard: 8 writers share fsyncs.
func BenchmarkGroupCommit(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("durability=DurabilityWALSync/shards=1/writers=%d", writers), func(b *testing.B) {
			m, err := concurrent.Open[uint64, uint64](b.TempDir(), &concurrent.Options{Shards: 1, Map: diskmap.Options{Durability: diskmap.DurabilityWALSync}})
			if err != nil {
				b.Fatal(err)
			}
			defer maptest.CheckClose(b, m)
			per := b.N/writers + 1
			var wg sync.WaitGroup
			b.ResetTimer()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range per {
						if err := m.Put(uint64(w*per+i), 1); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(per*writers)/b.Elapsed().Seconds(), "syncedputs/s")
		})
	}
}
