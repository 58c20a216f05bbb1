package concurrent_test

import (
	"fmt"

	"github.com/diskmap-go/diskmap/concurrent"
)

// shards returns options for a map of n shards.
func shards(n int) *concurrent.Options { return &concurrent.Options{Shards: n} }

// key returns the i-th key of the tests and benchmarks: 16 bytes.
func key(i int) string { return fmt.Sprintf("key%013d", i) }
