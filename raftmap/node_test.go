package raftmap_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap/raftmap"
)

// TestWritesReachEveryNode: writes through the leader are applied on every
// node, and a batch and a delete too.
func TestWritesReachEveryNode(t *testing.T) {
	cl := newCluster(t, 3, nil)
	lead := cl.leader()
	c := ctx(t)
	if err := lead.Put(c, "a", "1"); err != nil {
		t.Fatal(err)
	}
	err := lead.Batch(c, func(b *raftmap.Batch[string, string]) error {
		for i := range 50 {
			if err := b.Put(fmt.Sprintf("b%d", i), fmt.Sprint(i)); err != nil {
				return err
			}
		}
		return b.Delete("a")
	})
	if err != nil {
		t.Fatal(err)
	}
	if had, err := lead.Delete(c, "b0"); err != nil || !had {
		t.Fatalf("Delete(b0) = %v, %v; want true, nil", had, err)
	}
	if had, err := lead.Delete(c, "b0"); err != nil || had {
		t.Fatalf("second Delete(b0) = %v, %v; want false, nil", had, err)
	}
	for i := range cl.nodes {
		cl.waitApplied(i)
		n := cl.nodes[i]
		requireMissing(t, n, raftmap.Stale, "a")
		requireMissing(t, n, raftmap.Stale, "b0")
		requireValue(t, n, raftmap.Stale, "b49", "49")
		if n.Len() != 49 {
			t.Errorf("%s: Len = %d, want 49", n.ID(), n.Len())
		}
	}
}

// TestFollowerRefusesWrites: a follower's writes, and its reads that need
// the leader, return a *NotLeaderError naming the leader.
func TestFollowerRefusesWrites(t *testing.T) {
	cl := newCluster(t, 3, nil)
	lead := cl.leader()
	f := cl.nodes[cl.follower()]
	c := ctx(t)
	check := func(what string, err error) {
		t.Helper()
		var nl *raftmap.NotLeaderError
		if !errors.As(err, &nl) {
			t.Fatalf("%s on a follower: %v, want a *NotLeaderError", what, err)
		}
		if nl.LeaderID != lead.ID() || nl.LeaderAddr != lead.Addr() {
			t.Fatalf("%s: leader %s at %s, want %s at %s", what, nl.LeaderID, nl.LeaderAddr, lead.ID(), lead.Addr())
		}
	}
	check("Put", f.Put(c, "k", "v"))
	_, err := f.Delete(c, "k")
	check("Delete", err)
	check("Batch", f.Batch(c, func(b *raftmap.Batch[string, string]) error { return b.Put("k", "v") }))
	_, _, err = f.Get(c, "k", raftmap.Leader)
	check("Get Leader", err)
	_, _, err = f.Get(c, "k", raftmap.Linearizable)
	check("Get Linearizable", err)
	check("Join", f.Join(c, "x", "127.0.0.1:1"))
	requireMissing(t, f, raftmap.Stale, "k")
}

// TestLinearizableReadOnNewLeader: a write acknowledged by one leader is
// seen by a linearizable read on the node the leadership passes to, with
// no wait for it to catch up.
func TestLinearizableReadOnNewLeader(t *testing.T) {
	cl := newCluster(t, 3, nil)
	c := ctx(t)
	for round := range 3 {
		k := fmt.Sprintf("k%d", round)
		retry(t, "Put "+k, func() error { return cl.leader().Put(c, k, "v") })
		retry(t, "leadership transfer", func() error {
			next := cl.nodes[cl.follower()]
			return raftmap.TransferLeadership(c, cl.leader(), next.ID(), next.Addr())
		})
		next := cl.leader() // the node the leadership passed to, unless an election followed
		requireValue(t, next, raftmap.Linearizable, k, "v")
		requireValue(t, next, raftmap.Leader, k, "v")
	}
}

// TestFailoverKeepsAcknowledgedWrites: writers run while the leader is
// closed; every write acknowledged, before or after, is on the new leader.
func TestFailoverKeepsAcknowledgedWrites(t *testing.T) {
	cl := newCluster(t, 3, nil)
	var mu sync.Mutex
	acked := map[string]string{}
	write := func(n *raftmap.Node[string, string], k string) {
		if err := n.Put(ctx(t), k, "v"+k); err == nil {
			mu.Lock()
			acked[k] = "v" + k
			mu.Unlock()
		}
	}
	old := cl.leaderIndex()
	lead := cl.nodes[old]
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				write(lead, fmt.Sprintf("w%d-%d", w, i))
			}
		}()
	}
	for i := range 20 {
		write(lead, fmt.Sprintf("before-%d", i))
	}
	cl.stop(old)
	wg.Wait()
	next := cl.leader()
	for i := range 20 {
		write(next, fmt.Sprintf("after-%d", i))
	}
	if len(acked) < 40 {
		t.Fatalf("%d writes acknowledged, want at least the 40 before and after", len(acked))
	}
	for k, v := range acked {
		requireValue(t, next, raftmap.Linearizable, k, v)
	}
}
