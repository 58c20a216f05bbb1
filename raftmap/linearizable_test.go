package raftmap_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/diskmap-go/diskmap/raftmap"
)

// kvInput is an operation of the key-value model: a put, a delete or a
// get of one key.
type kvInput struct {
	op         byte // 'p', 'd' or 'g'
	key, value string
}

// kvOutput is what an operation returned: for a get, the value and whether
// the key was there; for a delete, whether it was there. unknown marks a
// write that failed: it may or may not have taken effect, at any time
// after its call, so it is given a return time past every other.
type kvOutput struct {
	value   string
	found   bool
	unknown bool
}

// kvState is the state of one key.
type kvState struct {
	value string
	there bool
}

// kvModel is a map of string keys, each checked on its own.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, o := range history {
			k := o.Input.(kvInput).key
			byKey[k] = append(byKey[k], o)
		}
		var parts [][]porcupine.Operation
		for _, p := range byKey {
			parts = append(parts, p)
		}
		return parts
	},
	Init: func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(kvState), input.(kvInput), output.(kvOutput)
		switch in.op {
		case 'p':
			return true, kvState{value: in.value, there: true}
		case 'd':
			return out.unknown || out.found == s.there, kvState{}
		default:
			return out.found == s.there && out.value == s.value, s
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(kvInput), output.(kvOutput)
		switch {
		case out.unknown:
			return fmt.Sprintf("%c(%s, %s) failed", in.op, in.key, in.value)
		case in.op == 'p':
			return fmt.Sprintf("put(%s, %s)", in.key, in.value)
		case in.op == 'd':
			return fmt.Sprintf("delete(%s) = %v", in.key, out.found)
		}
		return fmt.Sprintf("get(%s) = %q, %v", in.key, out.value, out.found)
	},
}

// unknownReturn is the return time of a write that failed.
const unknownReturn = math.MaxInt64

// TestKVModelRejectsWhatIsNotLinearizable: the model the cluster's
// histories are checked against fails a stale read and a delete of
// nothing, and takes a failed write as one that may or may not have
// happened.
func TestKVModelRejectsWhatIsNotLinearizable(t *testing.T) {
	op := func(call, ret int64, in kvInput, out kvOutput) porcupine.Operation {
		return porcupine.Operation{Input: in, Output: out, Call: call, Return: ret}
	}
	put := kvInput{op: 'p', key: "k", value: "a"}
	get := kvInput{op: 'g', key: "k"}
	del := kvInput{op: 'd', key: "k"}
	cases := []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"a read after a put sees it", []porcupine.Operation{
			op(0, 10, put, kvOutput{}), op(20, 30, get, kvOutput{value: "a", found: true})}, porcupine.Ok},
		{"a read after a put misses it", []porcupine.Operation{
			op(0, 10, put, kvOutput{}), op(20, 30, get, kvOutput{})}, porcupine.Illegal},
		{"a read during a put misses it", []porcupine.Operation{
			op(0, 30, put, kvOutput{}), op(10, 20, get, kvOutput{})}, porcupine.Ok},
		{"a delete of nothing finds a key", []porcupine.Operation{
			op(0, 10, del, kvOutput{found: true})}, porcupine.Illegal},
		{"a failed put is seen", []porcupine.Operation{
			op(0, unknownReturn, put, kvOutput{unknown: true}), op(20, 30, get, kvOutput{value: "a", found: true})}, porcupine.Ok},
		{"a failed put is not seen", []porcupine.Operation{
			op(0, unknownReturn, put, kvOutput{unknown: true}), op(20, 30, get, kvOutput{})}, porcupine.Ok},
		{"a failed put is seen, then not", []porcupine.Operation{
			op(0, unknownReturn, put, kvOutput{unknown: true}),
			op(20, 30, get, kvOutput{value: "a", found: true}), op(40, 50, get, kvOutput{})}, porcupine.Illegal},
	}
	for _, c := range cases {
		if got := porcupine.CheckOperationsTimeout(kvModel, c.history, 0); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// kvClient sends operations to the cluster, to the leader it knows, and
// records them.
type kvClient struct {
	id    int
	nodes []*raftmap.Node[string, string]
	start time.Time
	r     *rand.Rand
	at    int          // the node it sends to
	dead  map[int]bool // nodes that are closed
	ops   []porcupine.Operation
	done  *atomic.Int64 // operations that returned, of every client
}

// run sends operations on keys k0 ... k(keys-1) until stop is closed.
func (c *kvClient) run(keys int, stop <-chan struct{}) {
	for seq := 0; ; seq++ {
		select {
		case <-stop:
			return
		default:
		}
		in := kvInput{op: 'g', key: fmt.Sprint("k", c.r.IntN(keys))}
		switch p := c.r.IntN(10); {
		case p < 4:
			in.op, in.value = 'p', fmt.Sprintf("c%d-%d", c.id, seq)
		case p < 6:
			in.op = 'd'
		}
		c.do(in)
	}
}

// do sends in to the node c knows as leader, and records what it returns.
// A *NotLeaderError means nothing was proposed: c moves to the leader it
// names and records nothing. A failed read is not recorded; a failed write
// is, as one that may have happened.
func (c *kvClient) do(in kvInput) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := c.nodes[c.at]
	call := time.Since(c.start).Nanoseconds()
	var out kvOutput
	var err error
	switch in.op {
	case 'p':
		err = n.Put(ctx, in.key, in.value)
	case 'd':
		out.found, err = n.Delete(ctx, in.key)
	default:
		out.value, out.found, err = n.Get(ctx, in.key, raftmap.Linearizable)
	}
	ret := time.Since(c.start).Nanoseconds()
	var nl *raftmap.NotLeaderError
	switch {
	case errors.As(err, &nl):
		c.follow(nl.LeaderID)
		return
	case err != nil && in.op == 'g':
		c.failed(err)
		return
	case err != nil:
		c.failed(err)
		out, ret = kvOutput{unknown: true}, unknownReturn
	}
	c.ops = append(c.ops, porcupine.Operation{ClientId: c.id, Input: in, Output: out, Call: call, Return: ret})
	c.done.Add(1)
}

// follow moves c to the node id, or, if it names none or a closed one, to
// the next open node, after a pause for an election.
func (c *kvClient) follow(id string) {
	if i := slices.IndexFunc(c.nodes, func(n *raftmap.Node[string, string]) bool { return n.ID() == id }); i >= 0 && !c.dead[i] {
		c.at = i
		return
	}
	time.Sleep(10 * time.Millisecond)
	c.next()
}

// failed moves c off a closed node.
func (c *kvClient) failed(err error) {
	if errors.Is(err, raftmap.ErrClosed) {
		c.dead[c.at] = true
		c.next()
	}
}

// next moves c to the next node that is not closed.
func (c *kvClient) next() {
	for range c.nodes {
		if c.at = (c.at + 1) % len(c.nodes); !c.dead[c.at] {
			return
		}
	}
}

// TestLinearizable: clients put, delete and read (Linearizable) a few keys
// through whichever node leads, while the leader is closed and another is
// elected; the history of what they saw must be linearizable, key by key.
func TestLinearizable(t *testing.T) {
	const keys, clients, each = 4, 6, 300 // operations before and after the close
	cl := newCluster(t, 3, nil)
	nodes := slices.Clone(cl.nodes)
	var done atomic.Int64
	stop := make(chan struct{})
	cs := make([]*kvClient, clients)
	var wg sync.WaitGroup
	start := time.Now()
	seed := uint64(start.UnixNano())
	t.Logf("clients seeded with (their number, %d)", seed) // the operations they draw; the timing is the machine's
	for i := range cs {
		cs[i] = &kvClient{id: i, nodes: nodes, start: start, r: rand.New(rand.NewPCG(uint64(i), seed)),
			dead: map[int]bool{}, done: &done}
		wg.Go(func() { cs[i].run(keys, stop) })
	}
	stopClients := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopClients()
	waitUntil(t, "operations before the close", func() bool { return done.Load() >= each })
	cl.stop(cl.leaderIndex())
	waitUntil(t, "operations after the close", func() bool { return done.Load() >= 2*each })
	stopClients()

	var history []porcupine.Operation
	unknown := 0
	for _, c := range cs {
		history = append(history, c.ops...)
		for _, o := range c.ops {
			if o.Output.(kvOutput).unknown {
				unknown++
			}
		}
	}
	t.Logf("%d operations, %d of them failed writes", len(history), unknown)
	switch res := porcupine.CheckOperationsTimeout(kvModel, history, 10*time.Second); res {
	case porcupine.Illegal:
		t.Fatal("the history is not linearizable")
	case porcupine.Unknown:
		t.Fatal("the linearizability check did not finish")
	}
}
