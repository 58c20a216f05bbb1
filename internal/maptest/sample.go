package maptest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// The sample maps are what tests damage, copy and reopen: 300 keys of
// varied lengths with values of 0 to 300 bytes, every fifth replaced and
// every seventh deleted, so that the arenas hold dead records and the
// table holds tombstones.

// SampleOptions give a sample map a small first table, so that the table
// has grown a few times and the arenas are past their first size.
var SampleOptions = &diskmap.Options{Capacity: 16, KeyBytes: 4096, ValueBytes: 4096}

// SampleShards is the number of shards of a sharded sample map.
const SampleShards = 4

// SampleKey returns key i of the sample maps.
func SampleKey(i int) string { return fmt.Sprintf("key-%d-%s", i, strings.Repeat("k", i%13)) }

// A Writer is what FillSample writes to: a diskmap.Map or a concurrent.Map
// of strings.
type Writer interface {
	Put(k, v string) error
	Delete(k string) (bool, error)
}

// FillSample puts the sample contents, derived from seed, into m and
// returns what m holds.
func FillSample(t testing.TB, m Writer, seed uint64) map[string]string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	want := map[string]string{}
	put := func(k, v string) {
		if err := m.Put(k, v); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
		want[k] = v
	}
	for i := range 300 {
		put(SampleKey(i), strings.Repeat(string(rune('a'+i%26)), r.IntN(300)))
	}
	for i := 0; i < 300; i += 5 {
		put(SampleKey(i), fmt.Sprintf("replaced %d %d", i, seed))
	}
	for i := 3; i < 300; i += 7 {
		if _, err := m.Delete(SampleKey(i)); err != nil {
			t.Fatalf("Delete(%q): %v", SampleKey(i), err)
		}
		delete(want, SampleKey(i))
	}
	return want
}

// WriteSample creates a sample map in dir, opened with SampleOptions, and
// closes it cleanly. It returns what the map holds.
func WriteSample(t testing.TB, dir string, seed uint64) map[string]string {
	t.Helper()
	return writeSample(t, dir, seed, false, openSample)
}

// WriteDirtySample leaves in dir a sample map that was synced but never
// closed, as a process that died after Sync leaves it. It returns what the
// map holds.
func WriteDirtySample(t testing.TB, dir string, seed uint64) map[string]string {
	t.Helper()
	return writeSample(t, dir, seed, true, openSample)
}

// WriteShardedSample is WriteSample for a sharded map of SampleShards
// shards.
func WriteShardedSample(t testing.TB, dir string, seed uint64) map[string]string {
	t.Helper()
	return writeSample(t, dir, seed, false, openShardedSample)
}

// WriteDirtyShardedSample is WriteDirtySample for a sharded map of
// SampleShards shards.
func WriteDirtyShardedSample(t testing.TB, dir string, seed uint64) map[string]string {
	t.Helper()
	return writeSample(t, dir, seed, true, openShardedSample)
}

// A sampleMap is a map that a sample is written to.
type sampleMap interface {
	Writer
	Checker
	Sync() error
}

func openSample(dir string) (sampleMap, error) {
	return diskmap.Open[string, string](dir, SampleOptions)
}

func openShardedSample(dir string) (sampleMap, error) {
	return concurrent.Open[string, string](dir, &concurrent.Options{Shards: SampleShards, Map: *SampleOptions})
}

// writeSample writes a sample into dir; if dirty, it writes it elsewhere
// and copies the files into dir after a Sync, while the map is open.
func writeSample(t testing.TB, dir string, seed uint64, dirty bool, open func(string) (sampleMap, error)) map[string]string {
	t.Helper()
	live := dir
	if dirty {
		live = filepath.Join(t.TempDir(), "live")
	}
	m, err := open(live)
	if err != nil {
		t.Fatalf("Open(%s): %v", live, err)
	}
	want := FillSample(t, m, seed)
	if dirty {
		if err := m.Sync(); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		CloneDir(t, live, dir)
	}
	CloseChecked(t, m)
	return want
}

// WriteSamples writes a sample map of seed in each state a damage test
// starts from, into new directories, and returns them by state: "clean"
// (closed cleanly, WriteSample) and "dirty" (WriteDirtySample). Both hold
// the same keys.
func WriteSamples(t testing.TB, seed uint64) map[string]string {
	t.Helper()
	return writeSamples(t, seed, openSample)
}

// WriteShardedSamples is WriteSamples for sharded maps.
func WriteShardedSamples(t testing.TB, seed uint64) map[string]string {
	t.Helper()
	return writeSamples(t, seed, openShardedSample)
}

func writeSamples(t testing.TB, seed uint64, open func(string) (sampleMap, error)) map[string]string {
	t.Helper()
	base := t.TempDir()
	dirs := map[string]string{"clean": filepath.Join(base, "clean"), "dirty": filepath.Join(base, "dirty")}
	writeSample(t, dirs["clean"], seed, false, open)
	writeSample(t, dirs["dirty"], seed, true, open)
	return dirs
}
