package raftmap_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/raftmap"
)

// benchValue is the value every benchmark put stores: 100 bytes.
var benchValue = strings.Repeat("v", 100)

// BenchmarkReplicatedPut compares the puts of a three-node cluster on
// loopback, through its leader, with those of one concurrent.Map in
// DurabilityWALSync, both durable when they return, from 1 and from 16
// goroutines: puts/s is the throughput of all of them together, p99-us
// the 99th percentile of one put's latency.
func BenchmarkReplicatedPut(b *testing.B) {
	for _, clients := range []int{1, 16} {
		b.Run(fmt.Sprintf("impl=raft3/clients=%d", clients), func(b *testing.B) {
			cl := newCluster(b, 3, func(_ int, c *raftmap.Config) { c.LogSegmentBytes = 0 })
			lead := cl.leader()
			c := ctx(b)
			runPuts(b, clients, func(k string) error { return lead.Put(c, k, benchValue) })
		})
		b.Run(fmt.Sprintf("impl=walsync/clients=%d", clients), func(b *testing.B) {
			m, err := concurrent.Open[string, string](b.TempDir(), &concurrent.Options{
				Shards: 4, Map: diskmap.Options{Durability: diskmap.DurabilityWALSync},
			})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = m.Close() }()
			runPuts(b, clients, func(k string) error { return m.Put(k, benchValue) })
		})
	}
}

// runPuts runs b.N calls of put, each with a key of its own, from clients
// goroutines, and reports puts/s and the 99th percentile of the latency.
func runPuts(b *testing.B, clients int, put func(k string) error) {
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	b.ResetTimer()
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				t0 := time.Now()
				if err := put(fmt.Sprintf("key-%012d", i)); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if p := failed.Load(); p != nil {
		b.Fatal(*p)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "puts/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-us")
}
