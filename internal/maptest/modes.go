package maptest

import (
	"testing"

	"github.com/diskmap-go/diskmap"
)

// Modes are the durability modes the behaviour tests run in, as pogreb
// runs its suite on each file system: every mode must keep the same
// promises about what a map holds. The fuzz targets decode a mode as an
// index into Modes: its order is part of their corpus.
var Modes = []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL, diskmap.DurabilityWALSync}

// ForEachMode runs test once in each of Modes, as a parallel subtest named
// after the mode, with options of that durability and nothing else set.
// The test may change its options; each run gets its own.
func ForEachMode(t *testing.T, test func(t *testing.T, opts *diskmap.Options)) {
	t.Helper()
	for _, d := range Modes {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			test(t, &diskmap.Options{Durability: d})
		})
	}
}
