package layout_test

import (
	"testing"

	"github.com/diskmap-go/diskmap/layout"
)

// Hash is XXH64: with seed 0 it gives the published values, and the seed
// changes the hash.
func TestHashIsSeededXXH64(t *testing.T) {
	for _, c := range []struct {
		key  string
		want uint64
	}{
		{"", 0xef46db3751d8e999},
		{"a", 0xd24ec4f1a98c6e5b},
		{"abc", 0x44bc2cf5ad770999},
	} {
		if got := layout.Hash(0, []byte(c.key)); got != c.want {
			t.Errorf("Hash(0, %q) = %#x, want %#x", c.key, got, c.want)
		}
	}
	if layout.Hash(1, []byte("abc")) == layout.Hash(0, []byte("abc")) {
		t.Error("the seed does not change the hash")
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
