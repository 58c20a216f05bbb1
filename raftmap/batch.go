package raftmap

import (
	"fmt"
	"math"
	"time"
)

// Batch collects the writes that Node.Batch proposes as one command. Its
// methods only record; nothing changes until the command is applied.
//
// It is not a diskmap.Batch: that one belongs to one map, and answers its
// reads (Delete's answer, Swap, CompareAndSwap, ...) from that map as fn
// runs, while a command must be decided on the leader before any replica
// applies it, and mean the same on each. So a Batch has the writes whose
// effect does not depend on the map: Put, PutTTL and Delete.
type Batch[K, V any] struct {
	n   *Node[K, V]
	now time.Time // the batch's time, from which PutTTL's expiries count
	ops []op
}

// Put records that v is to be stored under k, to never expire.
func (b *Batch[K, V]) Put(k K, v V) error {
	return b.put(k, v, 0)
}

// PutTTL records that v is to be stored under k, to expire ttl after the
// time Node.Batch was called; ttl must be positive.
func (b *Batch[K, V]) PutTTL(k K, v V, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("raftmap: time to live %v: want a positive duration", ttl)
	}
	now := b.now.UnixNano()
	exp := now + int64(ttl)
	if exp < now { // past the latest time there is
		exp = math.MaxInt64
	}
	return b.put(k, v, exp)
}

// Delete records that k is to be removed.
func (b *Batch[K, V]) Delete(k K) error {
	kb, err := b.n.kc.Append(nil, k)
	if err != nil {
		return fmt.Errorf("raftmap: encoding a key: %w", err)
	}
	b.ops = append(b.ops, op{kind: opDelete, key: kb})
	return nil
}

// put records a put to expire at exp, 0 for never.
func (b *Batch[K, V]) put(k K, v V, exp int64) error {
	kb, err := b.n.kc.Append(nil, k)
	if err != nil {
		return fmt.Errorf("raftmap: encoding a key: %w", err)
	}
	vb, err := b.n.vc.Append(nil, v)
	if err != nil {
		return fmt.Errorf("raftmap: encoding a value: %w", err)
	}
	if err := checkSize(kb, vb); err != nil {
		return err
	}
	b.ops = append(b.ops, op{kind: opPut, key: kb, value: vb, expiry: exp})
	return nil
}
