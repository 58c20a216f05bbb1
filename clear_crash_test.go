//go:build unix

package diskmap_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
)

func init() {
	// clear is a child writing a map of a few thousand keys that it clears
	// now and then, and from which it removes a tenth or so of the keys
	// with DeleteFunc, by their prefix (see TestCrashDuringClear).
	crashModes["clear"] = &crashMode{
		name:  "clear",
		kills: 8,
		fresh: 2,
		setup: compactSetup,
		next: func(r *rand.Rand, round, i int, _ crashOp) crashOp {
			switch p := r.IntN(100); {
			case p < 8:
				return crashOp{kind: 'Z'}
			case p < 20:
				return crashOp{kind: 'F', key: compactKey(1 + r.IntN(9))}
			case p < 85:
				return crashOp{kind: 'P', key: compactKey(r.IntN(2000)), val: crashValue(round, i, 50+r.IntN(450))}
			}
			return crashOp{kind: 'D', key: compactKey(r.IntN(2000))}
		},
		kill: func(r *rand.Rand) killPlan {
			return killPlan{acks: r.IntN(12), delay: time.Duration(r.IntN(4000)) * time.Microsecond}
		},
	}
	// clearpoints clears pointsSetup's map twice, with puts, a batch and
	// DeleteFuncs between (see TestCrashPointsClear).
	crashModes["clearpoints"] = &crashMode{
		name:     "clearpoints",
		opts:     diskmap.Options{Capacity: 16, KeyBytes: 1024, ValueBytes: 1024},
		walBytes: 4 << 10,
		script:   func(int) []crashOp { return clearPointsScript() },
	}
}

// clearPointsScript puts new keys beside pointsSetup's, deletes the keys
// base1 and base10 to base19 with DeleteFunc, clears the map, fills it
// again, a batch included, removes some with DeleteFunc, clears it once
// more, puts a key and closes the map.
func clearPointsScript() []crashOp {
	var ops []crashOp
	put := func(k string, n int) { ops = append(ops, crashOp{kind: 'P', key: k, val: crashValue(0, len(ops), n)}) }
	for i := range 6 {
		put(fmt.Sprintf("new%d", i), 300*i)
	}
	ops = append(ops, crashOp{kind: 'F', key: pointsKey(1)}, crashOp{kind: 'Z'})
	for i := range 6 {
		put(fmt.Sprintf("again%d", i), 20*i)
	}
	ops = append(ops, crashOp{kind: 'B', batch: []crashOp{
		{kind: 'P', key: "batch0", val: "b0"}, {kind: 'D', key: "again2"}}})
	ops = append(ops, crashOp{kind: 'F', key: "again"}, crashOp{kind: 'Z'})
	put("last", 10)
	return append(ops, crashOp{kind: 'X'})
}

// TestCrashPointsClear is TestCrashPoints with a script of Clears and
// DeleteFuncs, killed before every one of its file operations: each must
// be all or nothing, in every mode.
func TestCrashPointsClear(t *testing.T) {
	t.Parallel()
	runCrashPoints(t, crashModes["clearpoints"], 1<<20, nil)
}

// TestCrashDuringClear kills a child that clears its map and removes keys
// with DeleteFunc, at random points: each Clear and each DeleteFunc is all
// or nothing after the kill, in every mode.
func TestCrashDuringClear(t *testing.T) { runCrashModes(t, crashModes["clear"], false) }
