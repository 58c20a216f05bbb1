package raftmap

import (
	"context"

	"github.com/hashicorp/raft"
)

// WithOnApply returns c with a hook called for each part of a command the
// map is given: its index, its group, and whether it was skipped.
func WithOnApply(c Config, fn func(index uint64, group int, skipped bool)) Config {
	c.onApply = fn
	return c
}

// WithOnRestore returns c with a hook called after each snapshot restored.
func WithOnRestore(c Config, fn func()) Config {
	c.onRestore = fn
	return c
}

// WithStream returns c with the network raft uses made by fn, listening on
// the bind address, in place of raft's TCP transport.
func WithStream(c Config, fn func(bind string) (raft.StreamLayer, error)) Config {
	c.stream = fn
	return c
}

// TransferLeadership hands the leadership of n's cluster to the node id at
// addr; n must be the leader.
func TransferLeadership[K, V any](ctx context.Context, n *Node[K, V], id, addr string) error {
	return n.wait(ctx, n.raft.LeadershipTransferToServer(raft.ServerID(id), raft.ServerAddress(addr)))
}

// TakeSnapshot makes n's raft take a snapshot now, and compact its log.
func TakeSnapshot[K, V any](ctx context.Context, n *Node[K, V]) error {
	return n.wait(ctx, n.raft.Snapshot())
}
