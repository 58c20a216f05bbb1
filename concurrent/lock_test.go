package concurrent_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// Environment of a child process: the directory of the map it opens.
const childDirEnv = "CONCURRENT_TEST_CHILD_DIR"

func TestSecondOpenLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(4))
	if err := m.Put("a", "1"); err != nil {
		t.Fatal(err)
	}
	before := maptest.DirFiles(t, dir)
	for _, ro := range []bool{false, true} {
		start := time.Now()
		m2, err := concurrent.Open[string, string](dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: ro}})
		if !errors.Is(err, diskmap.ErrLocked) || m2 != nil {
			t.Errorf("second Open (read-only %v) = %v, %v; want ErrLocked", ro, m2, err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("second Open waited for the lock")
		}
	}
	maptest.RequireSameFiles(t, dir, before)

	// The first map is unharmed, and once it is closed the next Open works.
	maptest.RequireContents(t, m, map[string]string{"a": "1"})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.OpenSharded[string, string](t, dir, nil)
	maptest.RequireContents(t, m, map[string]string{"a": "1"})
}

// TestReadersShare: read-only Maps share a map with each other, not with a
// writer.
func TestReadersShare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := maptest.WriteShardedSample(t, dir, 1)
	ro := &concurrent.Options{Map: diskmap.Options{ReadOnly: true}}
	r1 := maptest.OpenSharded[string, string](t, dir, ro)
	r2 := maptest.OpenSharded[string, string](t, dir, ro)
	if r1.Len() != len(want) || r2.Len() != len(want) {
		t.Errorf("readers see %d and %d keys, want %d", r1.Len(), r2.Len(), len(want))
	}
	if err := r1.Put("k", "v"); !errors.Is(err, diskmap.ErrReadOnly) {
		t.Errorf("Put on a read-only map: %v, want ErrReadOnly", err)
	}
	if _, err := concurrent.Open[string, string](dir, nil); !errors.Is(err, diskmap.ErrLocked) {
		t.Errorf("Open for writing beside readers: %v, want ErrLocked", err)
	}
}

// TestFailedOpenReleasesShards: an Open that fails at a shard locked by
// someone else releases the shards it had opened and the directory.
func TestFailedOpenReleasesShards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := maptest.WriteShardedSample(t, dir, 1)
	d, err := diskmap.Open[string, string](shardDir(dir, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := concurrent.Open[string, string](dir, nil); !errors.Is(err, diskmap.ErrLocked) {
		t.Fatalf("Open with shard 2 in use: %v, want ErrLocked", err)
	}
	for _, i := range []int{0, 1} {
		s, err := diskmap.Open[string, string](shardDir(dir, i), nil)
		if err != nil {
			t.Fatalf("shard %d after the failed Open: %v", i, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	m := maptest.OpenSharded[string, string](t, dir, nil)
	maptest.RequireContents(t, m, want)
}

// TestFailedCreateRemovesWhatItMade: a creation that fails (here at options
// the shards refuse) leaves no manifest and no shard behind.
func TestFailedCreateRemovesWhatItMade(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := concurrent.Open[string, string](dir, &concurrent.Options{Shards: 4, Map: diskmap.Options{MaxLoad: 2}})
	if err == nil {
		t.Fatal("Open with MaxLoad 2 succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "lock" {
			t.Errorf("%s left behind", e.Name())
		}
	}
	m := maptest.OpenSharded[string, string](t, dir, shards(2))
	if err := m.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
}

// TestSecondProcessLocked runs this test binary again as a child process,
// which opens the map that this process holds.
func TestSecondProcessLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(4))
	if err := m.Put("a", "1"); err != nil {
		t.Fatal(err)
	}
	out, err := maptest.ChildCommand(t.Context(), "TestLockChild", childDirEnv+"="+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "child: locked") {
		t.Errorf("child did not report ErrLocked:\n%s", out)
	}
	maptest.RequireContents(t, m, map[string]string{"a": "1"})
}

// TestLockChild is the child of TestSecondProcessLocked; it does nothing
// in a normal run.
func TestLockChild(t *testing.T) {
	t.Parallel()
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("run by TestSecondProcessLocked")
	}
	for _, ro := range []bool{false, true} {
		_, err := concurrent.Open[string, string](dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: ro}})
		if !errors.Is(err, diskmap.ErrLocked) {
			t.Fatalf("Open (read-only %v) in a second process: %v, want ErrLocked", ro, err)
		}
	}
	fmt.Println("child: locked")
}

// An Open of a map in use says who holds it, and with
// Options.Map.LockTimeout waits for it to be let go.
func TestLockedErrorAndTimeout(t *testing.T) {
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, nil)
	_, err := concurrent.Open[string, string](dir, nil)
	var le *diskmap.LockedError
	if !errors.As(err, &le) || !le.Writer || le.PID != os.Getpid() {
		t.Fatalf("second Open: %v, want a *diskmap.LockedError naming a writer, process %d", err, os.Getpid())
	}
	closed := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		closed <- m.Close()
	}()
	m2, err := concurrent.Open[string, string](dir, &concurrent.Options{Map: diskmap.Options{LockTimeout: time.Minute}})
	if cerr := <-closed; cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("Open waiting a minute for a map closed after 50ms: %v", err)
	}
	maptest.CheckClose(t, m2)
}
