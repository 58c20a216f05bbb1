package diskmap_test

import (
	"slices"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
)

// BenchmarkLoadLatency loads n keys into a new map, the workload of
// BenchmarkMap, and times every Put: besides the time per key it reports
// the slowest Put of all the loads (max-ns) and the one slower than all
// but a ten-thousandth of them (p99.99-ns), where the table's growths and
// the arenas' show. bench/cmd/putlat runs the same load at up to 10M keys
// and with a histogram. Run with:
// go test -run '^$' -bench LoadLatency -benchtime 3x
func BenchmarkLoadLatency(b *testing.B) {
	for _, n := range benchSizes {
		keys := benchKeys(n, 7)
		val := benchValue(7)
		b.Run("impl=diskmap/op=load/n="+sizeName(n), func(b *testing.B) {
			took := make([]time.Duration, 0, n)
			var slowest time.Duration
			var worst []time.Duration // p99.99 of each load
			for b.Loop() {
				b.StopTimer()
				m, err := diskmap.Open[[]byte, []byte](b.TempDir(), nil)
				if err != nil {
					b.Fatal(err)
				}
				took = took[:0]
				b.StartTimer()
				for _, k := range keys {
					t := time.Now()
					err := m.Put(k, val)
					took = append(took, time.Since(t))
					if err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if err := m.Close(); err != nil {
					b.Fatal(err)
				}
				slices.Sort(took)
				slowest = max(slowest, took[len(took)-1])
				worst = append(worst, took[len(took)*9999/10000])
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
			b.ReportMetric(float64(slowest.Nanoseconds()), "max-ns")
			b.ReportMetric(float64(slices.Max(worst).Nanoseconds()), "p99.99-ns")
		})
	}
}
