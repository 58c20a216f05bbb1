package raftmap_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
	cl := newCluster(t, 3, func(i int, c *raftmap.Config) {
		c.Raft.SnapshotThreshold = 16
		c.Raft.TrailingLogs = 4
		c.LogSegmentBytes = 4 << 10 // the log drops whole segments only
	})
	c := ctx(t)
	lead := cl.leader()
	for i := range 100 {
		if err := lead.Put(c, fmt.Sprint("k", i), fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := lead.Delete(c, "k3"); err != nil {
		t.Fatal(err)
	}
	if err := raftmap.TakeSnapshot(c, lead); err != nil {
		t.Fatal(err)
	}
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
