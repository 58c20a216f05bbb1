// Command cluster runs three raftmap nodes on 127.0.0.1 in one process:
// it writes through the leader, closes the leader, waits for a new one to
// be elected, and reads every acknowledged write back from it.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/raftmap"
	"github.com/hashicorp/go-hclog"
)

type node = raftmap.Node[string, string]

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "raftmap-cluster")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	nodes, err := start(ctx, dir)
	defer func() {
		for _, n := range nodes {
			if n != nil {
				_ = n.Close()
			}
		}
	}()
	if err != nil {
		return err
	}
	lead := leader(nodes)
	fmt.Printf("leader: %s at %s\n", lead.ID(), lead.Addr())

	acked := map[string]string{}
	for i := range 100 {
		k, v := fmt.Sprintf("key-%03d", i), fmt.Sprint(i*i)
		if err := lead.Put(ctx, k, v); err != nil {
			return err
		}
		acked[k] = v
	}
	fmt.Printf("%d writes acknowledged by %s\n", len(acked), lead.ID())

	for i, n := range nodes {
		if n == lead {
			fmt.Printf("closing the leader %s\n", n.ID())
			if err := n.Close(); err != nil {
				return err
			}
			nodes[i] = nil
		}
	}
	next, err := waitLeader(ctx, nodes)
	if err != nil {
		return err
	}
	fmt.Printf("new leader: %s at %s\n", next.ID(), next.Addr())

	for k, v := range acked {
		got, ok, err := next.Get(ctx, k, raftmap.Linearizable)
		if err != nil {
			return err
		}
		if !ok || got != v {
			return fmt.Errorf("%s: %s = %q, %v; want %q", next.ID(), k, got, ok, v)
		}
	}
	fmt.Printf("all %d acknowledged writes read back from %s\n", len(acked), next.ID())
	return nil
}

// start opens three nodes in dir: the first bootstraps, the others join.
func start(ctx context.Context, dir string) ([]*node, error) {
	var nodes []*node
	for i := range 3 {
		id := fmt.Sprintf("node%d", i+1)
		n, err := raftmap.Open[string, string](raftmap.Config{
			ID: id, Dir: filepath.Join(dir, id), Bind: "127.0.0.1:0",
			Bootstrap: i == 0,
			Map:       concurrent.Options{Shards: 4},
			Logger:    hclog.NewNullLogger(),
		})
		if err != nil {
			return nodes, err
		}
		nodes = append(nodes, n)
		fmt.Printf("%s listening on %s\n", id, n.Addr())
		if i == 0 {
			if _, err := waitLeader(ctx, nodes); err != nil {
				return nodes, err
			}
			continue
		}
		if err := nodes[0].Join(ctx, id, n.Addr()); err != nil {
			return nodes, err
		}
	}
	return nodes, nil
}

// leader returns the open node that leads, or nil.
func leader(nodes []*node) *node {
	for _, n := range nodes {
		if n != nil && n.IsLeader() {
			return n
		}
	}
	return nil
}

// waitLeader waits for one of the open nodes to lead.
func waitLeader(ctx context.Context, nodes []*node) (*node, error) {
	for {
		if n := leader(nodes); n != nil {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return nil, errors.New("no leader elected")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
