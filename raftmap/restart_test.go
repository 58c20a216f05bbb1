package raftmap_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/raftmap"
)

// applyLog records the command parts a node's map is given.
type applyLog struct {
	mu      sync.Mutex
	applied map[[2]uint64]int // (index, group): times applied
	skipped int
}

func (l *applyLog) hook(index uint64, group int, skipped bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if skipped {
		l.skipped++
		return
	}
	l.applied[[2]uint64{index, uint64(group)}]++
}

// TestRestartReplaysNothingTwice: a follower closed and opened again is
// given the log from its start once more, skips every part it applied,
// applies the writes it missed, and applies none twice.
func TestRestartReplaysNothingTwice(t *testing.T) {
	log := &applyLog{applied: map[[2]uint64]int{}}
	cl := newCluster(t, 3, func(i int, c *raftmap.Config) {
		if i == 2 {
			*c = raftmap.WithOnApply(*c, log.hook)
		}
	})
	c := ctx(t)
	put := func(prefix string) {
		err := cl.leader().Batch(c, func(b *raftmap.Batch[string, string]) error {
			for i := range 20 {
				if err := b.Put(fmt.Sprintf("%s%d", prefix, i), prefix); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		put(fmt.Sprintf("before%d-", i))
	}
	cl.waitApplied(2)
	log.mu.Lock()
	before := len(log.applied)
	log.mu.Unlock()
	cl.stop(2)
	put("while-")
	cl.start(2)
	cl.waitApplied(2)
	put("after-")
	cl.waitApplied(2)

	log.mu.Lock()
	defer log.mu.Unlock()
	for part, times := range log.applied {
		if times != 1 {
			t.Errorf("index %d, group %d applied %d times", part[0], part[1], times)
		}
	}
	if log.skipped < before {
		t.Errorf("%d parts skipped after the restart, want the %d applied before it", log.skipped, before)
	}
	n := cl.nodes[2]
	requireValue(t, n, raftmap.Stale, "before0-0", "before0-")
	requireValue(t, n, raftmap.Stale, "while-19", "while-")
	requireValue(t, n, raftmap.Stale, "after-7", "after-")
	if n.Len() != 12*20 {
		t.Errorf("Len = %d, want %d", n.Len(), 12*20)
	}
}

// TestLateJoinerCatchesUpFromSnapshot: once the leader has snapshotted and
// dropped its log, a node that joins gets the snapshot, restores it, then
// applies the writes after it; a restart after that replays nothing twice.
func TestLateJoinerCatchesUpFromSnapshot(t *testing.T) {
	log := &applyLog{applied: map[[2]uint64]int{}}
	var restores atomic.Int32
	cl := newCluster(t, 3, snapshotOften)
	c := ctx(t)
	for i := range 100 {
		retry(t, "Put", func() error { return cl.leader().Put(c, fmt.Sprint("k", i), fmt.Sprint(i)) })
	}
	retry(t, "Delete", func() error { _, err := cl.leader().Delete(c, "k3"); return err })
	snapshot(t, cl)
	late := nodeConfig("late", t.TempDir())
	late = raftmap.WithOnApply(late, log.hook)
	late = raftmap.WithOnRestore(late, func() { restores.Add(1) })
	cl.cfgs = append(cl.cfgs, late)
	cl.nodes = append(cl.nodes, nil)
	cl.start(3)
	cl.join(3)
	if err := cl.leader().Put(c, "after", "snapshot"); err != nil {
		t.Fatal(err)
	}
	cl.waitApplied(3)
	n := cl.nodes[3]
	if r := restores.Load(); r != 1 {
		t.Fatalf("%d snapshots restored, want 1", r)
	}
	for i := range 100 {
		if i != 3 {
			requireValue(t, n, raftmap.Stale, fmt.Sprint("k", i), fmt.Sprint(i))
		}
	}
	requireMissing(t, n, raftmap.Stale, "k3")
	requireValue(t, n, raftmap.Stale, "after", "snapshot")
	if n.Len() != 100 {
		t.Errorf("Len = %d, want 100", n.Len())
	}

	cl.stop(3)
	cl.start(3)
	if err := cl.leader().Put(c, "last", "x"); err != nil {
		t.Fatal(err)
	}
	cl.waitApplied(3)
	requireValue(t, cl.nodes[3], raftmap.Stale, "k99", "99")
	log.mu.Lock()
	defer log.mu.Unlock()
	for part, times := range log.applied {
		if times != 1 {
			t.Errorf("index %d, group %d applied %d times", part[0], part[1], times)
		}
	}
	if r := restores.Load(); r != 1 {
		t.Errorf("%d snapshots restored after the restart, want still 1", r)
	}
}

// snapshotOften makes every node snapshot after a few entries and keep
// little log behind it, in small segments, so that a node that needs the
// older entries is sent a snapshot.
func snapshotOften(_ int, c *raftmap.Config) {
	c.Raft.SnapshotThreshold = 16
	c.Raft.TrailingLogs = 4
	c.LogSegmentBytes = 4 << 10 // the log drops whole segments only
}

// putKeys puts prefix0 ... prefix(n-1) through the leader, each holding
// its own name, and deletes every seventh.
func putKeys(t *testing.T, cl *cluster, prefix string, n int) map[string]bool {
	t.Helper()
	c := ctx(t)
	want := map[string]bool{}
	for i := range n {
		k := fmt.Sprint(prefix, i)
		retry(t, "Put "+k, func() error { return cl.leader().Put(c, k, k) })
		want[k] = true
	}
	for i := 0; i < n; i += 7 {
		k := fmt.Sprint(prefix, i)
		retry(t, "Delete "+k, func() error { _, err := cl.leader().Delete(c, k); return err })
		want[k] = false
	}
	return want
}

// snapshot makes every open node take a snapshot and compact its log, so
// that whichever leads next has dropped the start of its log.
func snapshot(t *testing.T, cl *cluster) {
	t.Helper()
	for i, n := range cl.nodes {
		if n != nil {
			cl.waitApplied(i)
			retry(t, "snapshot of "+n.ID(), func() error { return raftmap.TakeSnapshot(ctx(t), n) })
		}
	}
}

// requireKeys checks that node i holds each key of want that is true,
// under its own name, none that is false, and nothing else but up to
// maybe keys whose writes failed and so may or may not have been applied.
func requireKeys(t *testing.T, cl *cluster, i int, want map[string]bool, maybe int) {
	t.Helper()
	n, present := cl.nodes[i], 0
	for k, there := range want {
		if there {
			present++
			requireValue(t, n, raftmap.Stale, k, k)
		} else {
			requireMissing(t, n, raftmap.Stale, k)
		}
	}
	if n.Len() < present || n.Len() > present+maybe {
		t.Errorf("%s: Len = %d, want %d, and up to %d more", n.ID(), n.Len(), present, maybe)
	}
}

// TestWipedFollowerRejoinsFromSnapshot: a follower removed from the
// cluster, its directory wiped, and joined again under its ID and address
// installs the leader's snapshot and holds every key. (Restarting it empty
// without the removal would make it forget its vote and its log, which
// raft's safety rests on.)
func TestWipedFollowerRejoinsFromSnapshot(t *testing.T) {
	var restores [3]atomic.Int32
	cl := newCluster(t, 3, func(i int, c *raftmap.Config) {
		snapshotOften(i, c)
		*c = raftmap.WithOnRestore(*c, func() { restores[i].Add(1) })
	})
	want := putKeys(t, cl, "before", 60)
	f := cl.follower()
	id := cl.cfgs[f].ID
	retry(t, "Remove "+id, func() error { return cl.leader().Remove(ctx(t), id) })
	cl.stop(f)
	if err := os.RemoveAll(cl.cfgs[f].Dir); err != nil {
		t.Fatal(err)
	}
	maps.Copy(want, putKeys(t, cl, "while", 60))
	snapshot(t, cl)

	cl.cfgs[f].Bootstrap = false // node 0, if it was the follower, must join, not found a cluster of its own
	cl.start(f)
	cl.join(f)
	maps.Copy(want, putKeys(t, cl, "after", 5))
	cl.waitApplied(f)
	if r := restores[f].Load(); r < 1 {
		t.Fatalf("%s restored %d snapshots, want at least 1", id, r)
	}
	if s := cl.nodes[f].Stats(); s.LastSnapshotAt == 0 {
		t.Fatalf("%s has no snapshot after rejoining: %v", id, s.Raft)
	}
	requireKeys(t, cl, f, want, 0)
}

// TestClusterRestartKeepsAcknowledgedWrites: every node closed while
// writers run, and opened again on its directory: the cluster elects a
// leader, and every node holds every write acknowledged before the close,
// whether it was in a snapshot or only in the log. A write that failed in
// the close may have been committed: it may be there or not.
func TestClusterRestartKeepsAcknowledgedWrites(t *testing.T) {
	cl := newCluster(t, 3, snapshotOften)
	want := putKeys(t, cl, "snap", 60)
	snapshot(t, cl)
	maps.Copy(want, putKeys(t, cl, "log", 10))

	var mu sync.Mutex
	tried, failed := 0, 0
	nodes, lead, c := slices.Clone(cl.nodes), cl.leader(), ctx(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			n := lead
			for i := 0; ; i++ {
				k := fmt.Sprintf("w%d-%d", w, i)
				err := n.Put(c, k, k)
				if errors.As(err, new(*raftmap.NotLeaderError)) {
					if next := namedLeader(nodes, err); next != nil {
						n = next
					}
					time.Sleep(5 * time.Millisecond)
					continue // not proposed
				}
				mu.Lock()
				tried++
				if err == nil {
					want[k] = true
				} else {
					failed++
				}
				mu.Unlock()
				if errors.Is(err, raftmap.ErrClosed) {
					return
				}
			}
		})
	}
	waitUntil(t, "writes during the run", func() bool { mu.Lock(); defer mu.Unlock(); return tried >= 40 })
	cl.closeAll()
	wg.Wait()

	for i := range cl.nodes {
		cl.start(i)
	}
	requireValue(t, cl.leader(), raftmap.Linearizable, "log1", "log1") // the leader has applied the log
	for i := range cl.nodes {
		cl.waitApplied(i)
		requireKeys(t, cl, i, want, failed)
	}
}
