//go:build linux

package workload_test

import (
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// TestColdRead loads and reads back each store the cold workload runs,
// at a tiny n and without dropping the page cache (that needs root and
// would slow every other process): a check that every get finds its value
// and that the counts add up, not a measurement.
func TestColdRead(t *testing.T) {
	const n, gets = 3000, 1500
	d := workload.Generate(n, 1)
	for _, name := range []string{"diskmap-view", "diskmap-get", "bbolt", "pogreb", "badger", "pebble"} {
		k, err := stores.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, advise := range []bool{false, true} {
			dir := t.TempDir()
			if err := workload.ColdLoad(k, d, dir); err != nil {
				t.Fatal(err)
			}
			res, err := workload.ColdRead(k, d, workload.ColdConfig{Gets: gets, Seed: 2, AdviseRandom: advise, Dir: dir})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.Found != gets || res.Latency.N != gets || res.FirstLat.N != workload.ColdFirst {
				t.Errorf("%s: found %d, timed %d and %d of %d gets", name, res.Found, res.Latency.N, res.FirstLat.N, gets)
			}
			if res.Read.ReadBytes < res.First.ReadBytes || res.Read.ReadBytes < 0 || res.Files.Blocks <= 0 || res.Nanos < res.FirstNanos {
				t.Errorf("%s: counts do not add up: %+v", name, res)
			}
			// Every store here but pebble maps its files; advising must
			// reach them.
			if advise && name != "pebble" && res.Advised == 0 {
				t.Errorf("%s: no mapping advised MADV_RANDOM", name)
			}
		}
	}
}

// TestColdReadRejects checks that the cold workload refuses what it
// cannot measure.
func TestColdReadRejects(t *testing.T) {
	d := workload.Generate(100, 1)
	k, _ := stores.Lookup("builtin")
	if _, err := workload.ColdRead(k, d, workload.ColdConfig{Gets: 10, Dir: t.TempDir()}); err == nil {
		t.Error("a cold read of the in-memory map did not fail")
	}
	k, _ = stores.Lookup("diskmap-view")
	if _, err := workload.ColdRead(k, d, workload.ColdConfig{Gets: 0, Dir: t.TempDir()}); err == nil {
		t.Error("a cold read of no gets did not fail")
	}
}
