package diskmap_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/diskmap-go/diskmap"
)

// The workload of the speed targets: 16-byte keys "key%013d" in a random
// order and 100-byte values, compared with Go's built-in map in the same
// run. Run with: go test -run '^$' -bench . -benchmem -count 10 | benchstat
func benchKeys(n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	keys := make([][]byte, n)
	for i, p := range r.Perm(n) {
		keys[i] = fmt.Appendf(nil, "key%013d", 2*p)
	}
	return keys
}

// benchMissKeys are keys never inserted that sort between inserted ones.
func benchMissKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key%013d", 2*i+1)
	}
	return keys
}

func benchValue(i int) []byte {
	v := make([]byte, 100)
	for j := range v {
		v[j] = byte(i*31 + j)
	}
	return v
}

var benchSizes = []int{10_000, 1_000_000}

func sizeName(n int) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

func BenchmarkMap(b *testing.B) {
	for _, n := range benchSizes {
		keys := benchKeys(n, 1)
		misses := benchMissKeys(n)
		vals := make([][]byte, n)
		for i := range vals {
			vals[i] = benchValue(i)
		}
		builtin := make(map[string][]byte)
		for i, k := range keys {
			builtin[string(k)] = vals[i]
		}
		order := benchKeys(n, 2) // the same keys in another order
		sn := sizeName(n)
		var sink int
		b.Run("impl=builtin/op=get/n="+sn, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				v, ok := builtin[string(order[i%n])]
				if !ok {
					b.Fatal("missing")
				}
				sink += len(v)
			}
		})
		b.Run("impl=builtin/op=miss/n="+sn, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				_, ok := builtin[string(misses[i%n])]
				if ok {
					b.Fatal("found")
				}
			}
		})
		builtin = nil // its garbage must not be collected on diskmap's time
		runtime.GC()

		dir := b.TempDir()
		m, err := diskmap.Open[[]byte, []byte](dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i, k := range keys {
			if err := m.Put(k, vals[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("impl=diskmap/op=view/n="+sn, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				v, ok, err := m.View(order[i%n])
				if !ok || err != nil {
					b.Fatal("missing", err)
				}
				sink += len(v)
			}
		})
		b.Run("impl=diskmap/op=get/n="+sn, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				v, ok, err := m.Get(order[i%n])
				if !ok || err != nil {
					b.Fatal("missing", err)
				}
				sink += len(v)
			}
		})
		// ViewMany and GetMany in batches of 1000 keys, per key.
		const batch = 1000
		b.Run("impl=diskmap/op=viewmany/n="+sn, func(b *testing.B) {
			for i := 0; b.Loop(); i = (i + batch) % n {
				err := m.ViewMany(order[i:min(i+batch, n)], func(_ int, v []byte, found bool) error {
					if !found {
						return errors.New("missing")
					}
					sink += len(v)
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/key")
		})
		b.Run("impl=diskmap/op=getmany/n="+sn, func(b *testing.B) {
			for i := 0; b.Loop(); i = (i + batch) % n {
				vs, found, err := m.GetMany(order[i:min(i+batch, n)])
				if err != nil || !found[0] {
					b.Fatal("missing", err)
				}
				sink += len(vs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/key")
		})
		b.Run("impl=diskmap/op=miss/n="+sn, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				ok, err := m.Contains(misses[i%n])
				if ok || err != nil {
					b.Fatal("found", err)
				}
			}
		})
		if err := m.Close(); err != nil {
			b.Fatal(err)
		}
		b.Run("impl=diskmap/op=reopen/n="+sn, func(b *testing.B) {
			for b.Loop() {
				mm, err := diskmap.Open[[]byte, []byte](dir, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, ok, err := mm.View(keys[0]); !ok || err != nil {
					b.Fatal("missing", err)
				}
				if err := mm.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})

		b.Run("impl=builtin/op=put/n="+sn, func(b *testing.B) {
			for b.Loop() {
				mm := make(map[string][]byte)
				for i, k := range keys {
					mm[string(k)] = append([]byte(nil), vals[i]...)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
		b.Run("impl=diskmap/op=put/n="+sn, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				mm, err := diskmap.Open[[]byte, []byte](b.TempDir(), nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for i, k := range keys {
					if err := mm.Put(k, vals[i]); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if err := mm.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
		_ = sink
	}
}
