package concurrent_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// TestShardBalance: keys spread over the shards evenly, for sequential
// string keys and for sequential integers, which a poor hash would bunch.
func TestShardBalance(t *testing.T) {
	t.Parallel()
	const n, count = 64_000, 8
	t.Run("strings", func(t *testing.T) {
		m := maptest.OpenSharded[string, bool](t, t.TempDir(), shards(count))
		err := m.PutMany(func(yield func(string, bool) bool) {
			for i := range n {
				if !yield(key(i), true) {
					return
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		requireBalanced(t, m.Stats(), n)
	})
	t.Run("uint64", func(t *testing.T) {
		m := maptest.OpenSharded[uint64, bool](t, t.TempDir(), shards(count))
		err := m.PutMany(func(yield func(uint64, bool) bool) {
			for i := range uint64(n) {
				if !yield(i<<8, true) {
					return
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		requireBalanced(t, m.Stats(), n)
	})
}

// requireBalanced fails the test unless every shard holds within 5% of
// its share of n keys: more than five standard deviations of a random
// split at these sizes.
func requireBalanced(t *testing.T, st concurrent.Stats, n int) {
	t.Helper()
	if st.Len != n {
		t.Fatalf("Len = %d, want %d", st.Len, n)
	}
	share := float64(n) / float64(len(st.Shards))
	worst := 0.0
	for i, s := range st.Shards {
		dev := math.Abs(float64(s.Len)-share) / share
		worst = max(worst, dev)
		if dev > 0.05 {
			t.Errorf("shard %d holds %d keys, %.1f%% off its share %.0f", i, s.Len, 100*dev, share)
		}
	}
	t.Logf("%d keys over %d shards: at most %.2f%% off the share", n, len(st.Shards), 100*worst)
}

// TestCapacityOfTheWholeMap: Options.Map.Capacity is shared out among the
// shards, with room for the spread, so that no shard's table grows before
// the map holds Capacity keys.
func TestCapacityOfTheWholeMap(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, bool](t, t.TempDir(), &concurrent.Options{Shards: 16, Map: diskmap.Options{Capacity: 16_000}})
	for i := range 16_000 {
		if err := m.Put(key(i), true); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range m.Stats().Shards {
		if s.Resizes != 0 {
			t.Errorf("shard %d grew its table %d times under the Capacity given", i, s.Resizes)
		}
	}
	if st := m.Stats(); st.Capacity > 4*16_000 {
		t.Errorf("%d slots in all for 16,000 keys: each shard got the whole Capacity", st.Capacity)
	}
}

// TestWaitingWriterDoesNotBlockOtherShards: while a writer waits for one
// shard, held by a long callback, readers and writers of every other shard
// go on.
func TestWaitingWriterDoesNotBlockOtherShards(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	same, other := keysIn(m, 0, 1)
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 2)
	go func() {
		done <- m.Update(same[0], func(*diskmap.Entry[string, string]) error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	go func() { done <- m.Put(same[0], "waits") }()
	for !concurrent.WriterWaiting(m, 0) {
		runtime.Gosched()
	}
	deadline := time.Now().Add(200 * time.Millisecond)
	for i := 0; time.Now().Before(deadline); i++ {
		k := fmt.Sprint(other[0], i%10)
		if concurrent.ShardOf(m, k) == 0 {
			continue
		}
		if err := m.Put(k, "goes on"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := m.Get(k); err != nil || !ok {
			t.Fatalf("Get(%q): %v, %v", k, ok, err)
		}
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestShardCompactionCutShort: a shard whose compaction stopped after its
// commit (keys.compact renamed over keys) and before the other renames, its
// header dirty as a writer killed there leaves it, or clean. A read-only
// Open refuses the map with ErrReadOnly, as diskmap.Open refuses the
// shard; a writable Open finishes the compaction, with every key right.
func TestShardCompactionCutShort(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	sample := filepath.Join(base, "sample")
	want := maptest.WriteShardedSample(t, sample, 3)
	for _, dirty := range []bool{false, true} {
		for _, stuck := range []string{"values.compact", "buckets.compact"} {
			t.Run(fmt.Sprintf("dirty=%v/%s not renamed", dirty, stuck), func(t *testing.T) {
				live := filepath.Join(t.TempDir(), "live")
				maptest.CloneDir(t, sample, live)
				dir := filepath.Join(t.TempDir(), "map")
				compactCutShort(t, shardDir(live, 1), stuck, dirty)
				maptest.CloneDir(t, live, dir)

				ro := &concurrent.Options{Map: diskmap.Options{ReadOnly: true}}
				r, err := concurrent.Open[string, string](dir, ro)
				if err == nil {
					_ = r.Close() // the test fails either way
				}
				if !errors.Is(err, diskmap.ErrReadOnly) {
					t.Fatalf("read-only Open: %v, want ErrReadOnly", err)
				}
				m := maptest.OpenSharded[string, string](t, dir, nil)
				maptest.RequireContents(t, m, want)
				if left, _ := filepath.Glob(filepath.Join(shardDir(dir, 1), "*.compact")); len(left) > 0 {
					t.Errorf("Open left %v", left)
				}
				maptest.CloseChecked(t, m)
				maptest.RequireContents(t, maptest.OpenSharded[string, string](t, dir, ro), want)
			})
		}
	}
}

// compactCutShort compacts the shard in dir, a diskmap.Map, and stops the
// compaction after its commit by refusing the rename of stuck. The old
// buckets file is left with a dirty header, as a writer killed there
// leaves it; unless dirty is false, when the old file is put back as it
// was before the compaction, closed cleanly.
func compactCutShort(t *testing.T, dir, stuck string, dirty bool) {
	t.Helper()
	before, err := os.ReadFile(filepath.Join(dir, "buckets"))
	if err != nil {
		t.Fatal(err)
	}
	var o diskmap.Options
	mmap.SetFiles(&o, &maptest.RenameFails{FS: mmap.OS{}, From: stuck})
	d, err := diskmap.Open[string, string](dir, &o)
	if err != nil {
		t.Fatal(err)
	}
	err = d.Compact()
	// The failed Compact failed the map: Close returns that error, and
	// leaves the files as the compaction left them.
	if cerr := d.Close(); err != nil && !errors.Is(cerr, err) {
		t.Fatalf("Close after the failed Compact: %v, want %v", cerr, err)
	}
	if err == nil {
		t.Fatal("Compact succeeded with a rename refused")
	}
	if _, err := os.Stat(filepath.Join(dir, "keys.compact")); err == nil {
		t.Fatal("keys.compact is still there: the compaction did not commit")
	}
	if !dirty {
		if err := os.WriteFile(filepath.Join(dir, "buckets"), before, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// holdCompaction passes every file operation to fs, but holds a caller of
// FreeSpace for dir, the first question a compaction asks, until release
// is closed; arrived is closed when the first one comes.
type holdCompaction struct {
	mmap.FS
	dir              string
	arrived, release chan struct{}
	once             sync.Once
}

func (f *holdCompaction) FreeSpace(dir string) (int64, error) {
	if dir == f.dir {
		f.once.Do(func() { close(f.arrived) })
		<-f.release
	}
	return f.FS.FreeSpace(dir)
}

// TestShardCompactsByItself: a write whose shard's arenas pass
// Options.Map.CompactAt compacts that shard, holding its lock alone: while
// the compaction is held up, readers and writers of every other shard go
// on. It counts in that shard's Stats and in the totals.
func TestShardCompactsByItself(t *testing.T) {
	dir := t.TempDir()
	fs := &holdCompaction{FS: mmap.OS{}, dir: filepath.Join(dir, "shard-0000"), arrived: make(chan struct{}), release: make(chan struct{})}
	m := maptest.OpenSharded[string, string](t, dir, concurrent.WithFiles(&concurrent.Options{Shards: 4, Map: diskmap.Options{CompactAt: 0.5, CompactMinBytes: 1}}, fs))
	same, other := keysIn(m, 0, 1)
	big := strings.Repeat("v", 10_000)
	for i := range 3 { // two dead values, one live: each not as long as the one before, so none written in place
		if err := m.Put(same[0], big[:len(big)-i%2]); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- m.Put(same[0], "compacts first") }()
	select {
	case err := <-done:
		t.Fatalf("the write returned (%v) without compacting its shard", err)
	case <-fs.arrived:
	}
	for i := range 100 {
		k := fmt.Sprint(other[0], i)
		if concurrent.ShardOf(m, k) == 0 {
			continue
		}
		if err := m.Put(k, "goes on"); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := m.Get(k); err != nil || !ok || v != "goes on" {
			t.Fatalf("Get(%q) = %q, %v, %v", k, v, ok, err)
		}
	}
	close(fs.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := m.Stats()
	if st.AutoCompactions != 1 || st.Shards[0].AutoCompactions != 1 || st.Shards[0].Values.Dead != layout.RecordSize(len(big)) {
		t.Fatalf("Stats: %d automatic compactions in all, shard 0: %+v; want one, of shard 0, before the write", st.AutoCompactions, st.Shards[0])
	}
	if v, _, err := m.Get(same[0]); err != nil || v != "compacts first" {
		t.Fatalf("Get(%q) = %q, %v", same[0], v, err)
	}
}

// An iteration puts off the automatic compaction of the shard it reads,
// between its batches too: writes from the loop body, which pass
// CompactAt, do not end it. Once it is over, the next writes compact.
func TestIterationPutsAutoCompactionOff(t *testing.T) {
	m := maptest.OpenSharded[string, string](t, t.TempDir(), &concurrent.Options{Shards: 2, Map: diskmap.Options{CompactAt: 0.5, CompactMinBytes: 1}})
	want := map[string]string{}
	for i := range 1000 {
		want[key(i)] = strings.Repeat("a", 100)
		if err := m.Put(key(i), want[key(i)]); err != nil {
			t.Fatal(err)
		}
	}
	seen := 0
	for k := range m.Keys() {
		seen++
		for r := range 3 { // each not as long as the one before, so none written in place
			want[k] = strings.Repeat(string(rune('b'+r)), 99+r%2)
			if err := m.Put(k, want[k]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Err(); err != nil {
		t.Fatalf("the iteration ended with %v", err)
	}
	if seen != 1000 {
		t.Fatalf("visited %d keys of 1000", seen)
	}
	for i := range 1000 {
		if err := m.Put(key(i), want[key(i)]); err != nil {
			t.Fatal(err)
		}
	}
	if st := m.Stats(); st.Shards[0].AutoCompactions == 0 || st.Shards[1].AutoCompactions == 0 {
		t.Fatalf("after the iteration the shards compacted %d and %d times, want at least once each",
			st.Shards[0].AutoCompactions, st.Shards[1].AutoCompactions)
	}
	maptest.RequireContents(t, m, want)
}
