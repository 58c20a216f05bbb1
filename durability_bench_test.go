package diskmap_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// Put throughput per durability mode: DurabilityWAL should keep at least
// half of DurabilityOS's; DurabilityWALSync pays an fsync per Put.
func BenchmarkDurability(b *testing.B) {
	keys := benchKeys(200_000, 3)
	val := benchValue(1)
	for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL} {
		b.Run(fmt.Sprintf("durability=%v/op=put", d), func(b *testing.B) {
			m, err := diskmap.Open[[]byte, []byte](b.TempDir(), &diskmap.Options{Durability: d, Capacity: len(keys)})
			if err != nil {
				b.Fatal(err)
			}
			defer maptest.CheckClose(b, m)
			for i := 0; b.Loop(); i++ {
				if err := m.Put(keys[i%len(keys)], val); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("durability=DurabilityWALSync/op=put", func(b *testing.B) {
		m, err := diskmap.Open[[]byte, []byte](b.TempDir(), &diskmap.Options{Durability: diskmap.DurabilityWALSync})
		if err != nil {
			b.Fatal(err)
		}
		defer maptest.CheckClose(b, m)
		for i := 0; b.Loop(); i++ {
			if err := m.Put(keys[i%len(keys)], val); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Group commit: writers that log under one lock and wait for the fsync
// outside it share fsyncs. With 8 writers the synced puts per second should
// be at least 4x one writer's.
func BenchmarkGroupCommit(b *testing.B) {
	val := benchValue(2)
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("durability=DurabilityWALSync/writers=%d", writers), func(b *testing.B) {
			m, err := diskmap.Open[uint64, []byte](b.TempDir(), &diskmap.Options{Durability: diskmap.DurabilityWAL})
			if err != nil {
				b.Fatal(err)
			}
			defer maptest.CheckClose(b, m)
			var mu sync.Mutex
			var wg sync.WaitGroup
			per := b.N/writers + 1
			b.ResetTimer()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range per {
						mu.Lock()
						err := m.Put(uint64(w*per+i), val)
						seq := m.LastSeq()
						mu.Unlock()
						if err == nil {
							err = m.WaitSynced(seq)
						}
						if err != nil {
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

// Recovery time after a crash, per MB of log replayed.
func BenchmarkRecovery(b *testing.B) {
	const n = 100_000
	keys := benchKeys(n, 4)
	val := benchValue(3)
	src := b.TempDir()
	m, err := diskmap.Open[[]byte, []byte](src, &diskmap.Options{Durability: diskmap.DurabilityWAL, WALCheckpointBytes: 1 << 30, Capacity: n})
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range keys {
		if err := m.Put(k, val); err != nil {
			b.Fatal(err)
		}
	}
	crashed := filepath.Join(b.TempDir(), "crashed")
	maptest.CrashCopy(b, src, crashed)
	if err := m.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(crashed, "wal"))
	if err != nil {
		b.Fatal(err)
	}
	walMB := float64(fi.Size()) / (1 << 20)
	b.Run("durability=DurabilityWAL/op=recover/n=100k", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "m")
			maptest.CrashCopy(b, crashed, dir)
			b.StartTimer()
			r, err := diskmap.Open[[]byte, []byte](dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if r.Len() != n {
				b.Fatalf("recovered %d keys, want %d", r.Len(), n)
			}
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/walMB, "ms/MB-of-log")
	})
}
