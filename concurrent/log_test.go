package concurrent_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// syncCounter is a file system that counts the fsyncs of each file.
type syncCounter struct {
	mmap.FS
	mu sync.Mutex
	n  map[string]int // guarded by mu
}

func newSyncCounter() *syncCounter { return &syncCounter{FS: mmap.OS{}, n: map[string]int{}} }

func (c *syncCounter) Sync(f *os.File) error {
	c.mu.Lock()
	c.n[f.Name()]++
	c.mu.Unlock()
	return c.FS.Sync(f)
}

func (c *syncCounter) syncs(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

// keyPerShard returns one key of each of m's shards.
func keyPerShard(t *testing.T, m *concurrent.Map[string, string], n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i, left := 0, n; left > 0; i++ {
		if i > 100*n {
			t.Fatal("no key for some shard")
		}
		if s := concurrent.ShardOf(m, key(i)); keys[s] == "" {
			keys[s], left = key(i), left-1
		}
	}
	return keys
}

// crashCopy copies the sharded map in src into dst as a crash of the
// process would leave it: the manifest, and of each of n shards the files
// that hold its state, but the ones named in leave.
func crashCopy(t *testing.T, src, dst string, n int, leave ...string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	maptest.CopyFile(t, src, dst, "manifest")
	for i := range n {
		maptest.CrashCopy(t, shardDir(src, i), shardDir(dst, i))
		for _, name := range leave {
			if err := os.Remove(filepath.Join(shardDir(dst, i), name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
		}
	}
}

// With DurabilityWAL a write is logged, not synced; WaitSynced of the token
// LastSeq returns after it syncs the log of every shard written, and a
// crash copy then holds the writes.
func TestWaitSyncedSyncsEveryShard(t *testing.T) {
	t.Parallel()
	const n = 4
	dir := t.TempDir()
	fs := newSyncCounter()
	opts := concurrent.WithFiles(&concurrent.Options{Shards: n, Map: diskmap.Options{Durability: diskmap.DurabilityWAL}}, fs)
	m := maptest.OpenSharded[string, string](t, dir, opts)
	keys := keyPerShard(t, m, n)
	before := m.LastSeq()
	for _, k := range keys {
		if err := m.Put(k, "v-"+k); err != nil {
			t.Fatal(err)
		}
	}
	seq := m.LastSeq()
	if seq < before+n {
		t.Fatalf("LastSeq %d after %d writes, %d before them", seq, n, before)
	}
	synced := make([]int, n)
	for i := range n {
		synced[i] = fs.syncs(filepath.Join(shardDir(dir, i), "wal"))
	}
	if err := m.WaitSynced(seq); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got := fs.syncs(filepath.Join(shardDir(dir, i), "wal")); got <= synced[i] {
			t.Errorf("shard %d: log synced %d times before WaitSynced, %d after", i, synced[i], got)
		}
	}
	crash := filepath.Join(t.TempDir(), "crash")
	crashCopy(t, dir, crash, n)
	c := maptest.OpenSharded[string, string](t, crash, nil)
	want := map[string]string{}
	for _, k := range keys {
		want[k] = "v-" + k
	}
	maptest.RequireContents(t, c, want)
}

// Checkpoint writes every shard's map files: a copy without the logs holds
// what was written before it.
func TestCheckpointWritesEveryShard(t *testing.T) {
	t.Parallel()
	const n = 4
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Shards: n, Map: diskmap.Options{Durability: diskmap.DurabilityWAL}})
	want := map[string]string{}
	for _, k := range keyPerShard(t, m, n) {
		if err := m.Put(k, "v-"+k); err != nil {
			t.Fatal(err)
		}
		want[k] = "v-" + k
	}
	if err := m.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	crash := filepath.Join(t.TempDir(), "crash")
	crashCopy(t, dir, crash, n, "wal")
	c := maptest.OpenSharded[string, string](t, crash, nil)
	maptest.RequireContents(t, c, want)
}

// In DurabilityOS no write is logged: LastSeq is 0 and WaitSynced returns
// at once. A read-only map logs nothing and checkpoints nothing. After
// Close, WaitSynced returns nil (Close synced every shard) and Checkpoint
// ErrClosed.
func TestLastSeqOtherwise(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(2))
	if err := m.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if seq := m.LastSeq(); seq != 0 {
		t.Errorf("LastSeq in DurabilityOS = %d, want 0", seq)
	}
	if err := errors.Join(m.WaitSynced(m.LastSeq()), m.Checkpoint(), m.Close()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL} {
		r := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true, Durability: d}})
		if seq := r.LastSeq(); seq != 0 {
			t.Errorf("%s: LastSeq of a read-only map = %d, want 0", d, seq)
		}
		if err := errors.Join(r.WaitSynced(1), r.Checkpoint(), r.Close()); err != nil {
			t.Errorf("%s: WaitSynced and Checkpoint of a read-only map: %v", d, err)
		}
	}
	w := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{Durability: diskmap.DurabilityWAL}})
	if err := w.Put("k", "w"); err != nil {
		t.Fatal(err)
	}
	seq := w.LastSeq()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WaitSynced(seq); err != nil {
		t.Errorf("WaitSynced after Close of a write it synced: %v", err)
	}
	if err := w.Checkpoint(); !errors.Is(err, diskmap.ErrClosed) || strings.Count(err.Error(), "diskmap: ") != 1 {
		t.Errorf("Checkpoint after Close: %v, want ErrClosed", err)
	}
}
