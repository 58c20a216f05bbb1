package layout_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap/layout"
)

// The hasher is XXH64 with a seed: it must agree with the reference
// streaming implementation for every length and seed.
func TestHasherIsSeededXXH64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 300)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for _, seed := range []uint64{0, 1, 0xdeadbeef, ^uint64(0), r.Uint64()} {
		h := layout.NewHasher(seed)
		for n := range len(buf) {
			d := xxhash.NewWithSeed(seed)
			d.Write(buf[:n])
			if got, want := h.Sum(buf[:n]), d.Sum64(); got != want {
				t.Fatalf("seed %#x, %d bytes: got %#x, want %#x", seed, n, got, want)
			}
		}
	}
	if layout.NewHasher(0).Sum(buf[:40]) != xxhash.Sum64(buf[:40]) {
		t.Fatal("seed 0 differs from xxhash.Sum64")
	}
}

func TestHomeUsesTopBits(t *testing.T) {
	for _, c := range []struct {
		fp   uint32
		log2 uint8
		want uint64
	}{
		{0xFFFFFFFF, 4, 15},
		{0x80000000, 4, 8},
		{0x7FFFFFFF, 4, 7},
		{0x12345678, 32, 0x12345678},
		{0x12345678, 16, 0x1234},
	} {
		if got := layout.Home(c.fp, c.log2); got != c.want {
			t.Errorf("Home(%#x, %d) = %d, want %d", c.fp, c.log2, got, c.want)
		}
	}
}

func BenchmarkHasher(b *testing.B) {
	key := []byte("key0000000012345")
	h := layout.NewHasher(42)
	var sink uint64
	b.Run("impl=hasher/len=16", func(b *testing.B) {
		for b.Loop() {
			sink += h.Sum(key)
		}
	})
	b.Run("impl=xxhash-digest/len=16", func(b *testing.B) {
		var base xxhash.Digest
		base.ResetWithSeed(42)
		for b.Loop() {
			d := base
			d.Write(key)
			sink += d.Sum64()
		}
	})
	_ = sink
}
