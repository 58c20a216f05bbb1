package diskmap_test

import (
	"math/rand/v2"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// The public operations not timed in BenchmarkMap, at 100,000 keys:
// go test -run '^$' -bench Ops -benchmem
func BenchmarkOps(b *testing.B) {
	const n = 100_000
	keys := benchKeys(n, 5)
	val := benchValue(5)
	fill := func(b *testing.B) *diskmap.BytesMap {
		m, err := diskmap.Open[[]byte, []byte](b.TempDir(), &diskmap.Options{Capacity: n})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			if err := m.Put(k, val); err != nil {
				b.Fatal(err)
			}
		}
		b.Cleanup(func() { maptest.CheckClose(b, m) })
		return m
	}
	b.Run("impl=diskmap/op=contains/n=100k", func(b *testing.B) {
		m := fill(b)
		for i := 0; b.Loop(); i++ {
			if ok, err := m.Contains(keys[i%n]); !ok || err != nil {
				b.Fatal("missing", err)
			}
		}
	})
	b.Run("impl=diskmap/op=update/n=100k", func(b *testing.B) {
		m := fill(b)
		for i := 0; b.Loop(); i++ {
			if err := m.Put(keys[i%n], val); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=diskmap/op=delete-put/n=100k", func(b *testing.B) {
		m := fill(b)
		for i := 0; b.Loop(); i++ {
			k := keys[i%n]
			if _, err := m.Delete(k); err != nil {
				b.Fatal(err)
			}
			if err := m.Put(k, val); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=diskmap/op=entry-upsert/n=100k", func(b *testing.B) {
		m, err := diskmap.Open[uint64, uint64](b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer maptest.CheckClose(b, m)
		for i := 0; b.Loop(); i++ {
			if _, err := m.Entry(uint64(i % n)).AndModify(func(v *uint64) { *v++ }).OrInsert(1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=diskmap/op=entry-upsert-hot/n=100k", func(b *testing.B) {
		// Counters of 100,000 keys incremented at random, with a Sync
		// every 100,000 increments: most are written in place.
		m, err := diskmap.Open[uint64, uint64](b.TempDir(), &diskmap.Options{Capacity: n})
		if err != nil {
			b.Fatal(err)
		}
		defer maptest.CheckClose(b, m)
		for k := range uint64(n) {
			if err := m.Put(k, 0); err != nil {
				b.Fatal(err)
			}
		}
		r := rand.New(rand.NewPCG(1, 2))
		start := m.Stats().Values
		for i := 1; b.Loop(); i++ {
			if _, err := m.Entry(r.Uint64N(n)).AndModify(func(v *uint64) { *v++ }).OrInsert(1); err != nil {
				b.Fatal(err)
			}
			if i%n == 0 {
				if err := m.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
		end := m.Stats().Values
		b.ReportMetric(float64(end.Live+end.Dead-start.Live-start.Dead)/float64(b.N), "arena-B/op")
	})
	b.Run("impl=diskmap/op=iterate/n=100k", func(b *testing.B) {
		m := fill(b)
		for b.Loop() {
			count := 0
			for range m.All() {
				count++
			}
			if count != n || m.Err() != nil {
				b.Fatal(count, m.Err())
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
	})
	b.Run("impl=diskmap/op=compact/n=100k", func(b *testing.B) {
		m := fill(b)
		for b.Loop() {
			if err := m.Compact(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
	})
}
