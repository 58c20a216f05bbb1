package raftmap

import (
	"context"
	"fmt"
)

// Consistency says how current a read must be.
type Consistency int

const (
	// Stale reads this node's map as it is: on a follower, it may lag
	// behind the leader's. The fastest read, on any node.
	Stale Consistency = iota

	// Leader reads the map of a node that raft has just confirmed is the
	// leader (VerifyLeader: a round of heartbeats to a quorum). It sees
	// every write this node has applied, which is every write it
	// acknowledged, but a new leader may not have applied the last writes
	// of the one before it yet.
	Leader

	// Linearizable reads the map once it has applied every write committed
	// before the read began: the leader appends a barrier to the log and
	// waits until its own map has applied it. It costs a log append, which
	// raft shares among the barriers and writes waiting together.
	Linearizable
)

// String names c.
func (c Consistency) String() string {
	switch c {
	case Stale:
		return "stale"
	case Leader:
		return "leader"
	case Linearizable:
		return "linearizable"
	}
	return fmt.Sprintf("Consistency(%d)", int(c))
}

// Get returns the value stored under k, and whether it is there, read with
// consistency c. Leader and Linearizable reads on a node that is not the
// leader return a *NotLeaderError.
func (n *Node[K, V]) Get(ctx context.Context, k K, c Consistency) (V, bool, error) {
	var v V
	found, err := n.View(ctx, k, c, func(b []byte) error {
		var err error
		v, err = n.vc.Decode(b)
		return err
	})
	return v, found, err
}

// View calls fn with the encoded value stored under k, read with
// consistency c, and reports whether k is there; fn is not called if it is
// not. The bytes are the map's own, valid only while fn runs: fn must not
// keep them, nor call the node.
func (n *Node[K, V]) View(ctx context.Context, k K, c Consistency, fn func(v []byte) error) (bool, error) {
	if err := n.ready(ctx, c); err != nil {
		return false, err
	}
	kb, err := n.kc.Append(nil, k)
	if err != nil {
		return false, fmt.Errorf("raftmap: encoding a key: %w", err)
	}
	return n.fsm.m.View(storedKey(nil, kb), fn)
}

// ready waits until this node's map may be read with consistency c.
func (n *Node[K, V]) ready(ctx context.Context, c Consistency) error {
	if err := n.usable(); err != nil {
		return err
	}
	switch c {
	case Stale:
		return nil
	case Leader:
		return n.wait(ctx, n.raft.VerifyLeader())
	case Linearizable:
		return n.wait(ctx, n.raft.Barrier(n.timeout(ctx.Deadline())))
	}
	return fmt.Errorf("raftmap: unknown consistency %d", int(c))
}

// Len returns the number of keys in this node's map, expired keys not yet
// removed included.
func (n *Node[K, V]) Len() int {
	return n.fsm.m.Len() - n.fsm.groupsApplied()
}
