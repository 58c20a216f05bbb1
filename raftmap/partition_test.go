package raftmap_test

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/raftmap"
	"github.com/hashicorp/raft"
)

// errCut is what a cut network answers a dial with.
var errCut = errors.New("network cut")

// cutStream is raft's network for a node, over loopback TCP, that a test
// can cut off: while it is cut, it refuses to dial, closes each connection
// it accepts, and has closed every connection it had, both ways.
type cutStream struct {
	net.Listener

	mu    sync.Mutex
	cut   bool                  // guarded by mu
	conns map[net.Conn]struct{} // the open connections; guarded by mu
}

// listenCut listens on bind.
func listenCut(bind string) (*cutStream, error) {
	l, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	return &cutStream{Listener: l, conns: map[net.Conn]struct{}{}}, nil
}

// Accept returns the next connection made while the network is not cut.
func (s *cutStream) Accept() (net.Conn, error) {
	for {
		c, err := s.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c, ok := s.track(c); ok {
			return c, nil
		}
	}
}

// Dial connects to addr, unless the network is cut.
func (s *cutStream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	s.mu.Lock()
	cut := s.cut
	s.mu.Unlock()
	if cut {
		return nil, errCut
	}
	c, err := net.DialTimeout("tcp", string(addr), timeout)
	if err != nil {
		return nil, err
	}
	if c, ok := s.track(c); ok {
		return c, nil
	}
	return nil, errCut
}

// track records c as open, or closes it if the network is cut meanwhile.
func (s *cutStream) track(c net.Conn) (net.Conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cut {
		_ = c.Close()
		return nil, false
	}
	s.conns[c] = struct{}{}
	return &cutConn{Conn: c, s: s}, true
}

// setCut cuts the network off, closing every connection, or heals it.
func (s *cutStream) setCut(cut bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cut = cut
	if cut {
		for c := range s.conns {
			_ = c.Close()
		}
		clear(s.conns)
	}
}

// cutConn is a connection of a cutStream, forgotten when closed.
type cutConn struct {
	net.Conn
	s *cutStream
}

func (c *cutConn) Close() error {
	c.s.mu.Lock()
	delete(c.s.conns, c.Conn)
	c.s.mu.Unlock()
	return c.Conn.Close()
}

// TestPartitionedLeaderCannotAcknowledge: a leader cut off from the others
// fails the write it is given, and refuses the next; the two others elect a
// leader that accepts writes. Once the network heals, the old leader
// follows the new one, and the write it failed, which no other node ever
// received, is nowhere: raft commits an entry only once a majority holds
// it, and a new leader only ever commits the entries of its own log.
func TestPartitionedLeaderCannotAcknowledge(t *testing.T) {
	streams := make([]*cutStream, 3)
	cl := newCluster(t, 3, func(i int, c *raftmap.Config) {
		*c = raftmap.WithStream(*c, func(bind string) (raft.StreamLayer, error) {
			s, err := listenCut(bind)
			streams[i] = s
			return s, err
		})
	})
	retry(t, "Put before", func() error { return cl.leader().Put(ctx(t), "before", "1") })
	old := cl.leaderIndex()
	lead := cl.nodes[old]

	streams[old].setCut(true)
	err := lead.Put(ctx(t), "lost", "x")
	if err == nil {
		t.Fatal("a leader cut off from the cluster acknowledged a write")
	}
	t.Logf("the cut-off leader's Put: %v", err)
	var nl *raftmap.NotLeaderError
	if err = lead.Put(ctx(t), "lost2", "y"); !errors.As(err, &nl) {
		t.Fatalf("Put on the old leader after its failed write: %v, want a *NotLeaderError", err)
	}
	retry(t, "Put on the majority's leader", func() error { return cl.nodes[cl.memberLeader(old)].Put(ctx(t), "after", "2") })

	streams[old].setCut(false)
	requireMissing(t, cl.leader(), raftmap.Linearizable, "lost")
	for i, n := range cl.nodes {
		cl.waitApplied(i)
		requireValue(t, n, raftmap.Stale, "before", "1")
		requireValue(t, n, raftmap.Stale, "after", "2")
		requireMissing(t, n, raftmap.Stale, "lost")
		requireMissing(t, n, raftmap.Stale, "lost2")
	}
}
