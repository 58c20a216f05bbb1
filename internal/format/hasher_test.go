package format_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/diskmap-go/diskmap/internal/format"
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
		h := format.NewHasher(seed)
		for n := range len(buf) {
			d := xxhash.NewWithSeed(seed)
			d.Write(buf[:n])
			if got, want := h.Sum(buf[:n]), d.Sum64(); got != want {
				t.Fatalf("seed %#x, %d bytes: got %#x, want %#x", seed, n, got, want)
			}
		}
	}
	if format.NewHasher(0).Sum(buf[:40]) != xxhash.Sum64(buf[:40]) {
		t.Fatal("seed 0 differs from xxhash.Sum64")
	}
}

func BenchmarkHasher(b *testing.B) {
	key := []byte("key0000000012345")
	h := format.NewHasher(42)
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

// The hasher and layout.Hash, the spec's plain form, agree.
func TestHasherMatchesLayoutHash(t *testing.T) {
	key := []byte("a key longer than thirty-two bytes, to take the long path")
	for _, seed := range []uint64{0, 7, ^uint64(0)} {
		for n := range len(key) {
			if got, want := format.NewHasher(seed).Sum(key[:n]), layout.Hash(seed, key[:n]); got != want {
				t.Fatalf("seed %#x, %d bytes: Hasher %#x, layout.Hash %#x", seed, n, got, want)
			}
		}
	}
}
