package main

import (
	"regexp"
	"testing"
)

// bench prints a line of ns/op for puts and one for gets; how many
// nanoseconds they take is not for a test to say.
func TestBenchPrintsNanosecondsPerOp(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-n", "500"},
		{"bench", "-n", "500", "-shards", "2", "-durability", "wal", "-value-bytes", "0"},
	} {
		out := ok(t, "", args...)
		if !regexp.MustCompile(`(?m)^put +\d+ ns/op\nget +\d+ ns/op\n\z`).MatchString(out) {
			t.Errorf("diskmap %v printed\n%s", args, out)
		}
	}
}

func TestBenchBadFlags(t *testing.T) {
	fails(t, 2, `-durability "fast": want os, wal or walsync`, "", "bench", "-durability", "fast")
	fails(t, 2, "-n must be positive", "", "bench", "-n", "0")
	fails(t, 2, "want no arguments, got 1 argument", "", "bench", "dir")
}
