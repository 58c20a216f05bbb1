package concurrent_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// Environment of the child of TestBatchOnKilled.
const (
	batchChildDirEnv   = "DISKMAP_TEST_BATCH_CHILD_DIR"
	batchChildModeEnv  = "DISKMAP_TEST_BATCH_CHILD_DURABILITY"
	batchChildRoundEnv = "DISKMAP_TEST_BATCH_CHILD_ROUND"
)

// The batches of the kill test: batch b writes to group b % batchGroups,
// whose keys share a hash tag, and so a shard.
const (
	batchGroups = 8
	batchKeys   = 10 // keys of a group that each batch of it puts
)

// groupKey returns key i of group g; i of -1 is the group's parity key.
func groupKey(g, i int) string {
	if i < 0 {
		return fmt.Sprintf("{g%d}/even", g)
	}
	return fmt.Sprintf("{g%d}/%d", g, i)
}

// batchValue is what batch b of a round puts: fixed width, so that later
// batches compare greater.
func batchValue(round, b int) string { return fmt.Sprintf("%02d-%07d", round, b) }

// TestBatchOnKilled kills a process in the middle of its batches, in
// every mode, and opens what it left: each batch is there whole or not at
// all, and every batch that returned is there (a process crash loses no
// acknowledged write in any mode). Each batch of a group puts the same
// value under all its keys, and puts the group's parity key if its number
// is even and deletes it if odd, so a batch half applied shows.
func TestBatchOnKilled(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		r := rand.New(rand.NewPCG(maptest.Seed(t), uint64(opts.Durability)))
		acked := map[int]string{}
		for round := range 4 {
			killChild(t, dir, opts.Durability, round, 20+r.IntN(200), acked)
			m, err := concurrent.Open[string, string](dir, tagged(4, opts.Durability))
			if err != nil {
				t.Fatalf("round %d: Open after the kill: %v", round, err)
			}
			requireWholeBatches(t, m, acked)
			if err := errors.Join(m.Check(), m.Close()); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	})
}

// killChild runs the child on the map in dir, kills it once it has
// acknowledged n batches, and records in acked the last value acknowledged
// for each group.
func killChild(t *testing.T, dir string, d diskmap.Durability, round, n int, acked map[int]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := maptest.ChildCommand(ctx, "TestBatchOnChild",
		batchChildDirEnv+"="+dir, batchChildModeEnv+"="+strconv.Itoa(int(d)), batchChildRoundEnv+"="+strconv.Itoa(round))
	killAfterAcks(t, cmd, cancel, n, fmt.Sprintf("round %d", round), func(line string) (bool, error) {
		var g int
		var v string
		if _, err := fmt.Sscanf(line, "acked %d %s", &g, &v); err != nil || len(v) != len(batchValue(0, 0)) {
			return false, nil
		}
		acked[g] = v
		return true, nil
	})
}

// requireWholeBatches fails the test unless every group of m holds one
// batch whole, no older than the one acknowledged last.
func requireWholeBatches(t *testing.T, m *concurrent.Map[string, string], acked map[int]string) {
	t.Helper()
	for g := range batchGroups {
		v, ok, err := m.Get(groupKey(g, 0))
		if err != nil {
			t.Fatal(err)
		}
		if ok && v < acked[g] || !ok && acked[g] != "" {
			t.Fatalf("group %d holds %q (%v), older than the acknowledged %q", g, v, ok, acked[g])
		}
		for i := 1; i < batchKeys; i++ {
			if w, _, err := m.Get(groupKey(g, i)); err != nil || w != v {
				t.Fatalf("group %d: key 0 holds %q, key %d %q (%v): a batch half there", g, v, i, w, err)
			}
		}
		b, _ := strconv.Atoi(v[strings.IndexByte(v, '-')+1:])
		even, err := m.Contains(groupKey(g, -1))
		if err != nil || ok && even != (b%2 == 0) {
			t.Fatalf("group %d holds batch %d, and its parity key is there: %v (%v)", g, b, even, err)
		}
	}
}

// TestBatchOnChild is the child of TestBatchOnKilled; it does nothing in a
// normal run. It writes batches until it is killed, and says which it has
// written.
func TestBatchOnChild(t *testing.T) {
	dir := os.Getenv(batchChildDirEnv)
	if dir == "" {
		t.Skip("run by TestBatchOnKilled")
	}
	d, err1 := strconv.Atoi(os.Getenv(batchChildModeEnv))
	round, err2 := strconv.Atoi(os.Getenv(batchChildRoundEnv))
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	m, err := concurrent.Open[string, string](dir, tagged(4, diskmap.Durability(d)))
	if err != nil {
		t.Fatal(err)
	}
	for b := range 1_000_000 {
		g, v := b%batchGroups, batchValue(round, b)
		err := m.BatchOn(groupKey(g, 0), func(bt *diskmap.Batch[string, string]) error {
			for i := range batchKeys {
				if err := bt.Put(groupKey(g, i), v); err != nil {
					return err
				}
			}
			if b%2 == 0 {
				return bt.Put(groupKey(g, -1), "")
			}
			_, err := bt.Delete(groupKey(g, -1))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("acked %d %s\n", g, v)
	}
	t.Fatal("not killed")
}
