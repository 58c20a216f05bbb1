package concurrent_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// TestShardBalance: keys spread over the shards evenly, for sequential
// string keys and for sequential integers, which a poor hash would bunch.
func TestShardBalance(t *testing.T) {
	const n, count = 64_000, 8
	t.Run("strings", func(t *testing.T) {
		m := openMap[string, bool](t, t.TempDir(), shards(count))
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
		m := openMap[uint64, bool](t, t.TempDir(), shards(count))
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
	m := openMap[string, bool](t, t.TempDir(), &concurrent.Options{Shards: 16, Map: diskmap.Options{Capacity: 16_000}})
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
	m := openMap[string, string](t, t.TempDir(), shards(4))
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
