package maptest

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// Seed returns the seed of a randomised test: DISKMAP_SEED if set, else a
// random one. It is logged so that a failure can be repeated.
func Seed(t testing.TB) uint64 {
	t.Helper()
	seed := rand.Uint64()
	if s := os.Getenv("DISKMAP_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("DISKMAP_SEED: %v", err)
		}
	}
	t.Logf("seed %d (set DISKMAP_SEED=%d to repeat)", seed, seed)
	return seed
}

// Long reports whether the long variants of the tests run: not with
// -short, and only with DISKMAP_LONG=1.
func Long() bool { return !testing.Short() && os.Getenv("DISKMAP_LONG") == "1" }
