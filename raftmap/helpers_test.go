package raftmap_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/raftmap"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// waitFor is how long a test waits for the cluster to reach a state (a
// leader, a key applied) before it fails: not a timing assertion, a bound
// on a hang.
const waitFor = 20 * time.Second

// raftConfig returns raft timeouts tight enough for tests on one machine,
// and loose enough that a loaded one, under the race detector, does not
// hold elections it does not need.
func raftConfig() *raft.Config {
	c := raft.DefaultConfig()
	c.HeartbeatTimeout = 300 * time.Millisecond
	c.ElectionTimeout = 300 * time.Millisecond
	c.LeaderLeaseTimeout = 300 * time.Millisecond
	c.CommitTimeout = 5 * time.Millisecond
	return c
}

// nodeConfig returns the configuration of node id in dir, on a port the
// system picks.
func nodeConfig(id, dir string) raftmap.Config {
	return raftmap.Config{
		ID: id, Dir: dir, Bind: "127.0.0.1:0",
		Map:             concurrent.Options{Shards: 4},
		Raft:            raftConfig(),
		Logger:          hclog.NewNullLogger(),
		LogSegmentBytes: 1 << 20,
		Timeout:         5 * time.Second,
	}
}

// cluster is a few nodes in one process.
type cluster struct {
	t     testing.TB
	cfgs  []raftmap.Config
	nodes []*raftmap.Node[string, string] // nil while closed
}

// newCluster starts n nodes, node 0 bootstrapping and the others joining
// it; tweak, if not nil, changes each node's configuration first.
func newCluster(t testing.TB, n int, tweak func(i int, c *raftmap.Config)) *cluster {
	t.Helper()
	cl := &cluster{t: t}
	root := t.TempDir()
	t.Cleanup(cl.closeAll)
	for i := range n {
		c := nodeConfig(fmt.Sprintf("n%d", i), filepath.Join(root, fmt.Sprintf("n%d", i)))
		c.Bootstrap = i == 0
		if tweak != nil {
			tweak(i, &c)
		}
		cl.cfgs = append(cl.cfgs, c)
		cl.nodes = append(cl.nodes, nil)
		cl.start(i)
		if i == 0 {
			cl.leader()
			continue
		}
		cl.join(i)
	}
	cl.leader()
	return cl
}

// join adds node i to the cluster through its leader, again if the leader
// loses its leadership meanwhile.
func (cl *cluster) join(i int) {
	cl.t.Helper()
	var err error
	for range 5 {
		lead := cl.nodes[cl.memberLeader(i)]
		if err = lead.Join(ctx(cl.t), cl.cfgs[i].ID, cl.nodes[i].Addr()); err == nil {
			return
		}
	}
	cl.t.Fatalf("joining %s: %v", cl.cfgs[i].ID, err)
}

// memberLeader waits for a leader among the open nodes but i, and returns
// its index.
func (cl *cluster) memberLeader(i int) int {
	cl.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		for j, n := range cl.nodes {
			if j != i && n != nil && n.IsLeader() {
				return j
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cl.t.Fatal("no leader elected")
	return -1
}

// start opens node i with its configuration, on the address it had if it
// ran before.
func (cl *cluster) start(i int) {
	cl.t.Helper()
	n, err := raftmap.Open[string, string](cl.cfgs[i])
	if err != nil {
		cl.t.Fatalf("opening %s: %v", cl.cfgs[i].ID, err)
	}
	cl.cfgs[i].Bind = n.Addr()
	cl.nodes[i] = n
}

// stop closes node i.
func (cl *cluster) stop(i int) {
	cl.t.Helper()
	if err := cl.nodes[i].Close(); err != nil {
		cl.t.Errorf("closing %s: %v", cl.cfgs[i].ID, err)
	}
	cl.nodes[i] = nil
}

// closeAll closes the nodes still open.
func (cl *cluster) closeAll() {
	var wg sync.WaitGroup
	for i, n := range cl.nodes {
		if n != nil {
			wg.Add(1)
			go func() { defer wg.Done(); cl.stop(i) }()
		}
	}
	wg.Wait()
}

// leader waits for one of the open nodes to lead, and returns it.
func (cl *cluster) leader() *raftmap.Node[string, string] {
	cl.t.Helper()
	return cl.nodes[cl.leaderIndex()]
}

// leaderIndex waits for one of the open nodes to lead that every open
// node knows as leader, and returns its index.
func (cl *cluster) leaderIndex() int {
	cl.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		if i, ok := cl.agreedLeader(); ok {
			return i
		}
		time.Sleep(10 * time.Millisecond)
	}
	cl.t.Fatal("no leader elected")
	return -1
}

// agreedLeader returns the index of the open node that leads, if every
// open node names it.
func (cl *cluster) agreedLeader() (int, bool) {
	lead := -1
	for i, n := range cl.nodes {
		if n != nil && n.IsLeader() {
			lead = i
		}
	}
	if lead < 0 {
		return 0, false
	}
	for _, n := range cl.nodes {
		if id, _ := n0(n); n != nil && id != cl.cfgs[lead].ID {
			return 0, false
		}
	}
	return lead, true
}

// n0 returns the leader n knows, for a node that may be nil.
func n0(n *raftmap.Node[string, string]) (string, string) {
	if n == nil {
		return "", ""
	}
	return n.Leader()
}

// follower returns the index of an open node that is not the leader.
func (cl *cluster) follower() int {
	lead := cl.leaderIndex()
	for i, n := range cl.nodes {
		if n != nil && i != lead {
			return i
		}
	}
	cl.t.Fatal("no follower open")
	return -1
}

// waitApplied waits until node i's map has applied the leader's last
// index.
func (cl *cluster) waitApplied(i int) {
	cl.t.Helper()
	want := cl.leader().Stats().Applied
	deadline := time.Now().Add(waitFor)
	for cl.nodes[i].Stats().Applied < want {
		if time.Now().After(deadline) {
			cl.t.Fatalf("%s applied %d, want %d", cl.cfgs[i].ID, cl.nodes[i].Stats().Applied, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ctx returns a context that ends with the test or after waitFor.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return c
}

// requireValue checks that k holds want on n, read with c.
func requireValue(t *testing.T, n *raftmap.Node[string, string], c raftmap.Consistency, k, want string) {
	t.Helper()
	v, ok, err := n.Get(ctx(t), k, c)
	if err != nil || !ok || v != want {
		t.Fatalf("%s: Get(%q, %v) = %q, %v, %v; want %q, true, nil", n.ID(), k, c, v, ok, err, want)
	}
}

// requireMissing checks that k is not on n, read with c.
func requireMissing(t *testing.T, n *raftmap.Node[string, string], c raftmap.Consistency, k string) {
	t.Helper()
	v, ok, err := n.Get(ctx(t), k, c)
	if err != nil || ok {
		t.Fatalf("%s: Get(%q, %v) = %q, %v, %v; want no key", n.ID(), k, c, v, ok, err)
	}
}

// waitUntil waits for cond to hold, and fails the test after waitFor.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", waitFor, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// retry calls fn until it succeeds, for a write that may be repeated: on a
// loaded machine a leader may lose its leadership in the middle of one.
func retry(t testing.TB, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// namedLeader returns the node of nodes that err names as the leader, or
// nil if err is no *NotLeaderError or names none of them.
func namedLeader(nodes []*raftmap.Node[string, string], err error) *raftmap.Node[string, string] {
	var nl *raftmap.NotLeaderError
	if !errors.As(err, &nl) {
		return nil
	}
	for _, n := range nodes {
		if n.ID() == nl.LeaderID {
			return n
		}
	}
	return nil
}
