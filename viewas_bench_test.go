package diskmap_test

import (
	"math/rand/v2"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
)

// BenchmarkViewAs reads a 32-byte struct of numbers at 1M keys three ways:
// in place with ViewAs from a map of Fixed values, as bytes with View from
// the same map, and decoded with Get from a map of Msgpack values. Keys are
// uint64s, looked up in a random order. Compare with:
// go test -run '^$' -bench ViewAs -benchmem -count 5 > new.txt; benchstat -col /op -ignore /codec new.txt
func BenchmarkViewAs(b *testing.B) {
	const n = 1_000_000
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)
	vc, err := codec.Fixed[record]()
	if err != nil {
		b.Fatal(err)
	}
	fixed := benchRecords(b, vc, n)
	msgpack := benchRecords(b, codec.Msgpack[record]{}, n)

	var sink uint64
	b.Run("codec=fixed/op=viewas/n=1M", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p, ok, err := diskmap.ViewAs(fixed, uint64(order[i%n]))
			if !ok || err != nil {
				b.Fatal(ok, err)
			}
			sink += p.ID
		}
	})
	b.Run("codec=fixed/op=view/n=1M", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			v, ok, err := fixed.View(uint64(order[i%n]))
			if !ok || err != nil {
				b.Fatal(ok, err)
			}
			sink += uint64(v[0])
		}
	})
	b.Run("codec=msgpack/op=get/n=1M", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			v, ok, err := msgpack.Get(uint64(order[i%n]))
			if !ok || err != nil {
				b.Fatal(ok, err)
			}
			sink += v.ID
		}
	})
	_ = sink
}

// benchRecords returns a map of keys 0 to n-1, each holding recordFor of
// itself, in values encoded by vc, with every page read once. It is closed
// when the benchmark ends.
func benchRecords(b *testing.B, vc codec.Codec[record], n int) *diskmap.Map[uint64, record] {
	b.Helper()
	m, err := diskmap.OpenWith[uint64, record](b.TempDir(), codec.Native[uint64]{}, vc,
		&diskmap.Options{Capacity: n, KeyBytes: int64(n) * 16, ValueBytes: int64(n) * 48})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := m.Close(); err != nil {
			b.Error(err)
		}
	})
	for i := range uint64(n) {
		if err := m.Put(i, recordFor(i)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range uint64(n) { // fault every page in, so that no way pays for it
		if _, ok, err := m.View(i); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	return m
}
