package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// holdFS holds the first sync of buckets.next after it is armed until it
// is released, and then fails it with err, or syncs.
type holdFS struct {
	mmap.FS
	mu      sync.Mutex
	armed   bool
	held    chan struct{} // closed once the sync is held
	release chan struct{} // closed to let it go
	err     error
}

func newHoldFS() *holdFS {
	return &holdFS{FS: mmap.OS{}, held: make(chan struct{}), release: make(chan struct{})}
}

func (f *holdFS) Sync(x *os.File) error {
	f.mu.Lock()
	hold := f.armed && filepath.Base(x.Name()) == "buckets.next"
	if hold {
		f.armed = false
	}
	f.mu.Unlock()
	if !hold {
		return f.FS.Sync(x)
	}
	close(f.held)
	<-f.release
	if f.err != nil {
		return f.err
	}
	return f.FS.Sync(x)
}

func (f *holdFS) arm() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = true
}

func (f *holdFS) isHeld() bool {
	select {
	case <-f.held:
		return true
	default:
		return false
	}
}

// asideKey is key i of the tests of keys put aside.
func asideKey(i int) string { return fmt.Sprintf("aside-%d", i) }

// syncHeldMap returns a map whose table of 2^16 slots has grown and
// whose new table's sync fs holds, with what it holds and the next key
// to put.
func syncHeldMap(t *testing.T, dir string, fs *holdFS) (*diskmap.Map[string, string], map[string]string, int) {
	t.Helper()
	m := maptest.Open[string, string](t, dir, diskmap.WithFiles(&diskmap.Options{Capacity: 40_000}, fs))
	if c := m.Stats().Capacity; c != 1<<16 {
		t.Fatalf("capacity %d, want %d", c, 1<<16)
	}
	want := map[string]string{}
	next, armed := 0, false
	for !fs.isHeld() {
		if next == 1<<17 {
			t.Fatal("the sync of the grown table never began")
		}
		k := asideKey(next)
		next++
		want[k] = k
		if err := m.Put(k, k); err != nil {
			t.Fatal(err)
		}
		if diskmap.Growing(m) && !armed {
			fs.arm()
			armed = true
		}
	}
	return m, want, next
}

// asideWrites puts n new keys, and replaces, deletes and puts with a time
// to live keys put before, some of them put aside.
func asideWrites(t *testing.T, m *diskmap.Map[string, string], want map[string]string, next *int, n int) {
	t.Helper()
	for i := range n {
		var err error
		k := asideKey((*next - 1) - i*7%min(*next, 3*n))
		switch i % 6 {
		case 0, 1, 2:
			k = asideKey(*next)
			*next++
			want[k] = k
			err = m.Put(k, k)
		case 3:
			want[k] = "replaced " + k
			err = m.Put(k, want[k])
		case 4:
			delete(want, k)
			_, err = m.Delete(k)
		case 5:
			want[k] = "for a while " + k
			err = m.PutTTL(k, want[k], time.Hour)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// While buckets.next is synced for its install, new keys are put aside in
// the old table, and the table being synced is not written for them. Each
// key reads back, iteration and Check see them, and a crash then loses
// none: recovery finds them in buckets. Once the sync is done they move
// into the new table, and the install ends with no buckets.next left.
func TestKeysAsideWhileGrownTableSyncs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hold := newHoldFS()
	m, want, next := syncHeldMap(t, dir, hold)
	before, err := os.ReadFile(filepath.Join(dir, "buckets.next"))
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		k := asideKey(next)
		next++
		want[k] = k
		if err := m.Put(k, k); err != nil {
			t.Fatal(err)
		}
	}
	after, err := os.ReadFile(filepath.Join(dir, "buckets.next"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("1000 new keys wrote buckets.next while it was synced")
	}
	asideWrites(t, m, want, &next, 3000)
	aside, settled := diskmap.KeysAside(m)
	if aside < 2500 || settled != 0 {
		t.Fatalf("%d keys put aside, %d settled; want the 2500 new ones aside, none settled", aside, settled)
	}
	maptest.RequireContents[string, string](t, m, want)
	if err := m.Check(); err != nil {
		t.Fatalf("Check with keys aside: %v", err)
	}

	crashed := filepath.Join(t.TempDir(), "crashed")
	maptest.CrashCopy(t, dir, crashed)
	c := maptest.Open[string, string](t, crashed, nil)
	maptest.RequireContents[string, string](t, c, want)
	if err := c.Check(); err != nil {
		t.Fatalf("Check after a crash with keys aside: %v", err)
	}
	maptest.CloseChecked(t, c)

	close(hold.release)
	writes := 0
	for ; diskmap.Growing(m); writes++ {
		i := writes
		if i == 1<<16 {
			t.Fatalf("the install never ended: %d of %d keys aside settled", settled, aside)
		}
		if i%100 == 0 {
			aside, settled = diskmap.KeysAside(m)
			if err := m.Check(); err != nil {
				t.Fatalf("Check with %d of %d keys aside settled: %v", settled, aside, err)
			}
		}
		asideWrites(t, m, want, &next, 1)
	}
	if writes < aside/20 {
		t.Fatalf("the install ended after %d writes, with %d keys aside: they moved all at once", writes, aside)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("buckets.next after the install: %v", err)
	}
	maptest.RequireContents[string, string](t, m, want)
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, m)
	m = maptest.Open[string, string](t, dir, nil)
	maptest.RequireContents[string, string](t, m, want)
}

// A sync of the grown table that fails moves the keys put aside into it
// at once: the growth stays, all moved, a Sync syncs both tables, and
// Close installs it. Nothing is lost, in the map, after a crash, or after
// the install.
func TestKeysAsideWhenSyncFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hold := newHoldFS()
	hold.err = errors.New("injected: the disk is gone")
	m, want, next := syncHeldMap(t, dir, hold)
	asideWrites(t, m, want, &next, 600)
	if aside, _ := diskmap.KeysAside(m); aside < 300 {
		t.Fatalf("%d keys put aside, want 300", aside)
	}
	close(hold.release)
	for i := 0; ; i++ {
		if aside, settled := diskmap.KeysAside(m); aside == settled {
			break
		}
		if i == 1000 {
			t.Fatal("the keys put aside did not move once the sync failed")
		}
		time.Sleep(time.Millisecond)
		asideWrites(t, m, want, &next, 1)
	}
	if !diskmap.Growing(m) {
		t.Fatal("the growth ended, though its sync failed")
	}
	maptest.RequireContents[string, string](t, m, want)
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(t.TempDir(), "crashed")
	maptest.CrashCopy(t, dir, crashed)
	c := maptest.Open[string, string](t, crashed, nil)
	maptest.RequireContents[string, string](t, c, want)
	maptest.CloseChecked(t, c)

	if err := m.Sync(); err != nil {
		t.Fatalf("Sync after the failed install: %v", err)
	}
	maptest.RequireContents[string, string](t, m, want)
	if err := m.Close(); err != nil {
		t.Fatalf("Close, installing the grown table again: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("buckets.next after Close: %v", err)
	}
	m = maptest.Open[string, string](t, dir, nil)
	maptest.RequireContents[string, string](t, m, want)
}
