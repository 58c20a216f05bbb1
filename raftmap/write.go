package raftmap

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/codec"
	"github.com/diskmap-go/diskmap/layout"
	"github.com/hashicorp/raft"
)

// bytesCodec is the codec of the node's map, of encoded keys and values.
var bytesCodec = codec.Bytes{}

// Put stores v under k in the replicated map, to never expire. It returns
// once the command is committed and applied on this node, which must be
// the leader: on another node it returns a *NotLeaderError, and proposes
// nothing. If ctx ends first, Put returns ctx's error, and the command may
// yet be applied; so may one that fails with any error but a
// *NotLeaderError.
func (n *Node[K, V]) Put(ctx context.Context, k K, v V) error {
	return n.Batch(ctx, func(b *Batch[K, V]) error { return b.Put(k, v) })
}

// PutTTL stores v under k, to expire ttl after now by this node's clock
// (Config.Clock): the command carries that absolute time, so every replica
// expires the key at the same instant. ttl must be positive.
func (n *Node[K, V]) PutTTL(ctx context.Context, k K, v V, ttl time.Duration) error {
	return n.Batch(ctx, func(b *Batch[K, V]) error { return b.PutTTL(k, v, ttl) })
}

// Delete removes k, and reports whether the leader's map held it, as Put
// does its writes.
func (n *Node[K, V]) Delete(ctx context.Context, k K) (bool, error) {
	kb, err := n.kc.Append(nil, k)
	if err != nil {
		return false, fmt.Errorf("raftmap: encoding a key: %w", err)
	}
	res, err := n.propose(ctx, []op{{kind: opDelete, key: kb}})
	return res.deleted, err
}

// Batch calls fn to fill a batch, then applies its writes as one command:
// on every replica, the writes of each group (see the package
// documentation) are applied together, atomic for readers and after a
// crash, and the groups one after another. If fn returns an error, nothing
// is proposed and Batch returns it. An empty batch proposes nothing.
func (n *Node[K, V]) Batch(ctx context.Context, fn func(b *Batch[K, V]) error) error {
	b := &Batch[K, V]{n: n, now: n.cfg.Clock()}
	if err := fn(b); err != nil {
		return err
	}
	if len(b.ops) == 0 {
		return nil
	}
	_, err := n.propose(ctx, b.ops)
	return err
}

// propose appends the command of ops to the raft log and waits for this
// node to apply it.
func (n *Node[K, V]) propose(ctx context.Context, ops []op) (result, error) {
	if err := n.usable(); err != nil {
		return result{}, err
	}
	if n.raft.State() != raft.Leader {
		return result{}, n.notLeader()
	}
	f := n.raft.Apply(encodeCommand(ops), n.timeout(ctx.Deadline()))
	if err := n.wait(ctx, f); err != nil {
		return result{}, err
	}
	res, _ := f.Response().(result)
	return res, res.err
}

// wait waits for f, or for ctx to end.
func (n *Node[K, V]) wait(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return n.raftError(err)
	case <-ctx.Done():
		return ctx.Err()
	case <-n.closed:
		return ErrClosed
	}
}

// raftError turns raft's errors into this package's: a *NotLeaderError
// for ErrNotLeader, ErrClosed once raft has shut down.
func (n *Node[K, V]) raftError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader):
		return n.notLeader()
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	}
	return fmt.Errorf("raftmap: %w", err)
}

// notLeader returns the *NotLeaderError of the leader this node knows.
func (n *Node[K, V]) notLeader() error {
	id, addr := n.Leader()
	return &NotLeaderError{LeaderID: id, LeaderAddr: addr}
}

// checkSize returns diskmap.ErrTooLarge for a key or value past the
// format's limits, so that no replica is asked to store it.
func checkSize(kb, vb []byte) error {
	if len(kb)+prefixLen > layout.MaxKeyLen || len(vb) > layout.MaxValueLen {
		return fmt.Errorf("a key of %d bytes, a value of %d: %w", len(kb), len(vb), diskmap.ErrTooLarge)
	}
	return nil
}
