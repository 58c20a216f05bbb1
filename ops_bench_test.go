package diskmap_test

import (
	"testing"
	"time"

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
	b.Run("impl=diskmap/op=get/n=100k", func(b *testing.B) {
		m := fill(b)
		for i := 0; b.Loop(); i++ {
			if _, ok, err := m.Get(keys[i%n]); !ok || err != nil {
				b.Fatal("missing", err)
			}
		}
	})
	b.Run("impl=diskmap/op=get-append/n=100k", func(b *testing.B) {
		m := fill(b)
		buf := make([]byte, 0, 256)
		for i := 0; b.Loop(); i++ {
			var ok bool
			var err error
			if buf, ok, err = m.GetAppend(buf[:0], keys[i%n]); !ok || err != nil {
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
	// Gets of keys with an expiry: still live, expired and not yet removed,
	// and, in the same map, of keys never put.
	clock := maptest.NewClock()
	expiring := func(b *testing.B) *diskmap.BytesMap {
		m, err := diskmap.Open[[]byte, []byte](b.TempDir(), &diskmap.Options{Capacity: n, Clock: clock.Now})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			if err := m.PutTTL(k, val, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
		b.Cleanup(func() { maptest.CheckClose(b, m) })
		return m
	}
	misses := benchMissKeys(n)
	for _, c := range []struct {
		op      string
		advance time.Duration
		keys    [][]byte
		found   bool
	}{
		{"get-expiring", 0, keys, true},
		{"get-expired", time.Hour, keys, false},
		{"get-miss", 0, misses, false},
	} {
		b.Run("impl=diskmap/op="+c.op+"/n=100k", func(b *testing.B) {
			m := expiring(b)
			clock.Advance(c.advance)
			for i := 0; b.Loop(); i++ {
				if _, ok, err := m.Get(c.keys[i%n]); ok != c.found || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
	b.Run("impl=diskmap/op=update-ttl/n=100k", func(b *testing.B) {
		m := fill(b)
		for i := 0; b.Loop(); i++ {
			if err := m.PutTTL(keys[i%n], val, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
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
