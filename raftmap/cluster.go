package raftmap

import (
	"context"
	"strconv"

	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/hashicorp/raft"
)

// Join adds the node id, listening at addr, to the cluster as a voter. It
// is called on the leader (else a *NotLeaderError), and returns once the
// new configuration is committed; the new node then catches up from the
// log, or from a snapshot if the log it needs is gone.
func (n *Node[K, V]) Join(ctx context.Context, id, addr string) error {
	if err := n.usable(); err != nil {
		return err
	}
	return n.wait(ctx, n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, n.timeout(ctx.Deadline())))
}

// Remove removes the node id from the cluster, on the leader (else a
// *NotLeaderError). A leader that removes itself steps down.
func (n *Node[K, V]) Remove(ctx context.Context, id string) error {
	if err := n.usable(); err != nil {
		return err
	}
	return n.wait(ctx, n.raft.RemoveServer(raft.ServerID(id), 0, n.timeout(ctx.Deadline())))
}

// Stats describes a node.
type Stats struct {
	ID, Addr       string
	State          string // Leader, Follower, Candidate or Shutdown
	LeaderID       string // empty when no leader is known
	LeaderAddr     string
	Applied        uint64            // the highest log index the map has applied
	CommitIndex    uint64            // the highest log index known committed
	LastIndex      uint64            // the last index in the log, or of the snapshot
	Keys           int               // Len
	Raft           map[string]string // raft.Raft.Stats
	Map            concurrent.Stats
	LastSnapshotAt uint64 // the index of the latest snapshot, 0 if none
}

// Stats returns the node's statistics.
func (n *Node[K, V]) Stats() Stats {
	lid, laddr := n.Leader()
	rs := n.raft.Stats()
	snap, _ := strconv.ParseUint(rs["last_snapshot_index"], 10, 64)
	return Stats{
		ID: n.cfg.ID, Addr: n.Addr(), State: n.raft.State().String(),
		LeaderID: lid, LeaderAddr: laddr,
		Applied: n.fsm.last.Load(), CommitIndex: n.raft.CommitIndex(), LastIndex: n.raft.LastIndex(),
		Keys: n.Len(), Raft: rs, Map: n.fsm.m.Stats(), LastSnapshotAt: snap,
	}
}
