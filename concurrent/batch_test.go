package concurrent_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// hashTag is a shard key as Redis Cluster picks one: the bytes between the
// first '{' and the next '}', if there are some, else the whole key.
func hashTag(key []byte) []byte {
	i := bytes.IndexByte(key, '{')
	if i < 0 {
		return key
	}
	j := bytes.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return key
	}
	return key[i+1 : i+1+j]
}

// tagged returns options for a map of n shards whose keys have hash tags.
func tagged(n int, d diskmap.Durability) *concurrent.Options {
	return &concurrent.Options{Shards: n, ShardKey: hashTag, Map: diskmap.Options{Durability: d}}
}

// Keys with one hash tag share a shard, and a batch of them is applied
// together, in every mode; its calls see its own writes.
func TestBatchOn(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		o := tagged(8, opts.Durability)
		m := maptest.OpenSharded[string, string](t, dir, o)
		shard := concurrent.ShardOf(m, "{user7}")
		for i := range 20 {
			if s := concurrent.ShardOf(m, fmt.Sprintf("{user7}k%d", i)); s != shard {
				t.Fatalf("{user7}k%d in shard %d, {user7} in shard %d", i, s, shard)
			}
		}
		if err := m.Put("{user7}old", "x"); err != nil {
			t.Fatal(err)
		}
		err := m.BatchOn("{user7}", func(b *diskmap.Batch[string, string]) error {
			for i := range 20 {
				if err := b.Put(fmt.Sprintf("{user7}k%d", i), fmt.Sprint(i)); err != nil {
					return err
				}
			}
			if found, err := b.Delete("{user7}old"); !found || err != nil {
				return fmt.Errorf("Delete = %v, %v; want true", found, err)
			}
			if prev, loaded, err := b.Swap("{user7}k3", "three"); prev != "3" || !loaded || err != nil {
				return fmt.Errorf("Swap = %q, %v, %v; want the batch's own put", prev, loaded, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for i := range 20 {
			want[fmt.Sprintf("{user7}k%d", i)] = fmt.Sprint(i)
		}
		want["{user7}k3"] = "three"
		maptest.RequireContents(t, m, want)
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		maptest.RequireContents(t, maptest.OpenSharded[string, string](t, dir, o), want)
	})
}

// keysOfTwoShards returns a key of one shard and one of another.
func keysOfTwoShards(t *testing.T, m *concurrent.Map[string, string]) (string, string) {
	t.Helper()
	for i := 1; i < 100; i++ {
		if concurrent.ShardOf(m, key(i)) != concurrent.ShardOf(m, key(0)) {
			return key(0), key(i)
		}
	}
	t.Fatal("every key in one shard")
	return "", ""
}

// Each call of a batch refuses a key of another shard with ErrCrossShard,
// and records nothing of it; BatchOn then applies none of the batch, even
// if fn drops the error.
func TestBatchOnCrossShard(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, t.TempDir(), shards(4))
	home, other := keysOfTwoShards(t, m)
	if err := m.Put(other, "o"); err != nil {
		t.Fatal(err)
	}
	type batch = diskmap.Batch[string, string]
	calls := map[string]func(b *batch) error{
		"Put":              func(b *batch) error { return b.Put(other, "v") },
		"PutTTL":           func(b *batch) error { return b.PutTTL(other, "v", time.Hour) },
		"Delete":           func(b *batch) error { return second2(b.Delete(other)) },
		"Swap":             func(b *batch) error { return second(b.Swap(other, "v")) },
		"LoadOrStore":      func(b *batch) error { return second(b.LoadOrStore(other, "v")) },
		"LoadAndDelete":    func(b *batch) error { return second(b.LoadAndDelete(other)) },
		"CompareAndSwap":   func(b *batch) error { return second2(b.CompareAndSwap(other, "o", "v")) },
		"CompareAndDelete": func(b *batch) error { return second2(b.CompareAndDelete(other, "o")) },
	}
	for name, call := range calls {
		var callErr error
		err := m.BatchOn(home, func(b *batch) error {
			if err := b.Put(home, "h"); err != nil {
				return err
			}
			callErr = call(b)
			return nil // dropped: BatchOn must refuse the batch all the same
		})
		if !errors.Is(callErr, concurrent.ErrCrossShard) || !errors.Is(err, concurrent.ErrCrossShard) {
			t.Errorf("Batch.%s of a key of another shard: %v, then BatchOn %v; want ErrCrossShard", name, callErr, err)
		}
		if err != nil && (strings.Count(err.Error(), "concurrent: ") != 1 || strings.Contains(err.Error(), "diskmap: ")) {
			t.Errorf("Batch.%s: %q names a package other than once", name, err)
		}
		maptest.RequireContents(t, m, map[string]string{other: "o"})
	}
}

// An error from fn applies none of the batch; a closed map, a read-only
// one and a key too large answer as diskmap.Map.Batch does.
func TestBatchOnErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(2))
	stop := errors.New("stop")
	err := m.BatchOn("k", func(b *diskmap.Batch[string, string]) error {
		if err := b.Put("k", "v"); err != nil {
			return err
		}
		return stop
	})
	if !errors.Is(err, stop) || m.Len() != 0 {
		t.Fatalf("BatchOn whose fn failed = %v, Len %d after; want fn's error and nothing applied", err, m.Len())
	}
	huge := strings.Repeat("k", 2<<20)
	err = m.BatchOn(huge, func(b *diskmap.Batch[string, string]) error { return b.Put(huge, "v") })
	if !errors.Is(err, diskmap.ErrTooLarge) {
		t.Fatalf("BatchOn of a 2 MiB key: %v, want ErrTooLarge", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	called := func(*diskmap.Batch[string, string]) error { return errors.New("called") }
	if err := m.BatchOn("k", called); !errors.Is(err, diskmap.ErrClosed) {
		t.Fatalf("BatchOn after Close: %v, want ErrClosed", err)
	}
	r := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	if err := r.BatchOn("k", called); !errors.Is(err, diskmap.ErrReadOnly) {
		t.Fatalf("BatchOn on a read-only map: %v, want ErrReadOnly", err)
	}
}

// Whether a map has a ShardKey is recorded when it is created: opened
// without one, a map created with one is refused, and the reverse, with
// ErrShardKey naming the manifest; so is a read-only open. Opened as
// created, it opens.
func TestShardKeyRecorded(t *testing.T) {
	t.Parallel()
	with, without := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		dir  string
		opts *concurrent.Options
	}{{with, tagged(2, diskmap.DurabilityOS)}, {without, shards(2)}} {
		m := maptest.OpenSharded[string, string](t, c.dir, c.opts)
		if err := errors.Join(m.Put("{a}b", "v"), m.Close()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		dir  string
		opts *concurrent.Options
	}{
		{"created with a ShardKey, opened without", with, shards(2)},
		{"created with a ShardKey, opened read-only without", with, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}}},
		{"created without a ShardKey, opened with", without, tagged(2, diskmap.DurabilityOS)},
		{"created without a ShardKey, opened read-only with", without, &concurrent.Options{ShardKey: hashTag, Map: diskmap.Options{ReadOnly: true}}},
	} {
		m, err := concurrent.Open[string, string](c.dir, c.opts)
		if !errors.Is(err, concurrent.ErrShardKey) || !strings.Contains(err.Error(), "manifest") {
			if err == nil {
				_ = m.Close()
			}
			t.Errorf("%s: %v, want ErrShardKey naming the manifest", c.name, err)
		}
	}
	maptest.RequireContents(t, maptest.OpenSharded[string, string](t, with, tagged(2, diskmap.DurabilityOS)), map[string]string{"{a}b": "v"})
	maptest.RequireContents(t, maptest.OpenSharded[string, string](t, without, nil), map[string]string{"{a}b": "v"})
}
