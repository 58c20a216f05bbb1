package raftmap

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/diskmap-go/diskmap/codec"
	"github.com/hashicorp/raft"
)

// Node is one member of a cluster that replicates a map: a
// concurrent.Map in its directory that applies the raft log. A Node is
// goroutine-safe.
type Node[K, V any] struct {
	cfg  Config
	kc   codec.Codec[K]
	vc   codec.Codec[V]
	st   store // the map, the log, the snapshots and the transport
	fsm  *fsm
	raft *raft.Raft

	closeOnce sync.Once
	closeErr  error
	closed    chan struct{} // closed by Close
}

// Open opens the node in cfg.Dir, creating it if the directory is empty or
// missing, with the codecs codec.For picks for K and V, as diskmap.Open
// does. See OpenWith.
func Open[K, V any](cfg Config) (*Node[K, V], error) {
	return OpenWith(cfg, Codecs[K, V]{Key: codec.For[K](), Value: codec.For[V]()})
}

// OpenWith opens the node in cfg.Dir with the given codecs, and starts it:
//
//  1. Check the directory: a new or empty one is made this node's (the
//     raftmap file records its ID and codec names); one that holds files
//     but no raftmap file fails with ErrForeignDir, another node's with
//     ErrOtherNode, other codecs with ErrCodecMismatch.
//  2. Open the map, and read each group's applied index from it.
//  3. Open the raft log, the snapshot store and the transport, and check
//     that the map has applied no index past both the log's last one and
//     the latest snapshot's (ErrMismatch).
//  4. Bootstrap the cluster if cfg.Bootstrap is set and there is no raft
//     state yet, and start raft. raft replays the log entries after the
//     latest snapshot; the map skips those it has applied.
//
// A restore of a snapshot that a crash cut short is finished: raft is told
// to restore the latest snapshot before it starts.
func OpenWith[K, V any](cfg Config, codecs Codecs[K, V]) (*Node[K, V], error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n := &Node[K, V]{cfg: cfg, kc: codecs.Key, vc: codecs.Value, closed: make(chan struct{})}
	if err := n.open(); err != nil {
		return nil, fmt.Errorf("opening node %s in %s: %w", cfg.ID, cfg.Dir, err)
	}
	return n, nil
}

// open does OpenWith's steps, and undoes them if one fails.
func (n *Node[K, V]) open() (err error) {
	var st store
	defer func() {
		if err != nil {
			err = errors.Join(err, st.close())
		}
	}()
	fresh, err := claimDir(n.cfg.Dir, meta{groups: groups, id: n.cfg.ID, keyCodec: n.kc.Name(), valueCodec: n.vc.Name()}, n.cfg.filePerm())
	if err != nil {
		return err
	}
	if err := st.open(n.cfg, fresh); err != nil {
		return err
	}
	if err := st.check(n.cfg.Dir); err != nil {
		return err
	}
	if err := n.bootstrap(&st); err != nil {
		return err
	}
	rc := *n.cfg.Raft
	rc.NoSnapshotRestoreOnStart = !st.restoring
	r, err := raft.NewRaft(&rc, st.fsm, st.logs, st.logs, st.snaps, st.trans)
	if err != nil {
		return fmt.Errorf("starting raft: %w", err)
	}
	n.raft, n.fsm, n.st = r, st.fsm, st
	return nil
}

// bootstrap starts a cluster of this node and cfg.Peers, if cfg.Bootstrap
// is set and the directory has no raft state yet.
func (n *Node[K, V]) bootstrap(st *store) error {
	if !n.cfg.Bootstrap {
		return nil
	}
	has, err := raft.HasExistingState(st.logs, st.logs, st.snaps)
	if err != nil || has {
		return err
	}
	servers := []raft.Server{{ID: raft.ServerID(n.cfg.ID), Address: st.trans.LocalAddr()}}
	for _, p := range n.cfg.Peers {
		servers = append(servers, raft.Server{ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
	}
	err = raft.BootstrapCluster(n.cfg.Raft, st.logs, st.logs, st.snaps, st.trans, raft.Configuration{Servers: servers})
	if err != nil {
		return fmt.Errorf("bootstrapping: %w", err)
	}
	return nil
}

// ID returns the node's ID.
func (n *Node[K, V]) ID() string { return n.cfg.ID }

// Addr returns the address other nodes reach this one at: what Join is
// given for it.
func (n *Node[K, V]) Addr() string { return string(n.st.trans.LocalAddr()) }

// Leader returns the ID and address of the leader this node knows, empty
// when it knows none.
func (n *Node[K, V]) Leader() (id, addr string) {
	a, i := n.raft.LeaderWithID()
	return string(i), string(a)
}

// IsLeader reports whether this node is the leader.
func (n *Node[K, V]) IsLeader() bool { return n.raft.State() == raft.Leader }

// Close stops the node: it shuts raft down (a leader steps down, and the
// others elect one), then closes the transport, the log and the map. The
// other calls then return ErrClosed. Replication sends one append at a
// time to each peer (the transport's MaxRPCsInFlight is 1, not raft's
// pipeline), and Close waits for the one in flight: up to Config.Timeout
// when a peer has stopped answering.
func (n *Node[K, V]) Close() error {
	n.closeOnce.Do(func() {
		close(n.closed)
		err := n.raft.Shutdown().Error()
		n.closeErr = errors.Join(err, n.st.close())
	})
	return n.closeErr
}

// usable returns ErrClosed after Close, and the map's failure if it
// stopped following the log.
func (n *Node[K, V]) usable() error {
	select {
	case <-n.closed:
		return ErrClosed
	default:
	}
	return n.fsm.failure()
}

// timeout returns the time an operation may wait for raft, from the
// deadline of ctx or the configured Timeout.
func (n *Node[K, V]) timeout(deadline time.Time, ok bool) time.Duration {
	if !ok {
		return n.cfg.Timeout
	}
	return max(time.Until(deadline), time.Millisecond)
}
