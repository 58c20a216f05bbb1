package raftmap_test

import (
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/raftmap"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestExpiryIsDecidedByTheLeader: a key put with a time to live expires at
// the time the leader set, on every replica: one that applies the command
// only after that time never holds the key, and one that applies it
// early expires it no later.
func TestExpiryIsDecidedByTheLeader(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cl := newCluster(t, 3, func(i int, c *raftmap.Config) { c.Clock = clock.Now })
	c := ctx(t)
	late := cl.follower()
	cl.stop(late)
	lead := cl.leader()
	if err := lead.PutTTL(c, "short", "v", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := lead.PutTTL(c, "long", "v", 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	for i, n := range cl.nodes {
		if n != nil {
			cl.waitApplied(i)
			requireValue(t, n, raftmap.Stale, "short", "v")
		}
	}
	clock.advance(2 * time.Hour)
	cl.start(late)
	cl.waitApplied(late)
	for _, n := range cl.nodes {
		requireMissing(t, n, raftmap.Stale, "short")
		requireValue(t, n, raftmap.Stale, "long", "v")
	}
	clock.advance(time.Hour)
	for _, n := range cl.nodes {
		requireMissing(t, n, raftmap.Stale, "long")
	}
	if err := lead.PutTTL(c, "k", "v", 0); err == nil {
		t.Fatal("PutTTL with a time to live of 0 succeeded")
	}
}
