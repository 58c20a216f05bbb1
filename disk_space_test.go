package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
)

// smallDisk is a disk of size bytes under the map directory dir, as far as
// the map can tell: an Allocate that would make the files of dir pass size
// fails with ENOSPC, as on a full disk, and FreeSpace reports what is
// left. Other writes are too small to count.
type smallDisk struct {
	mmap.FS
	dir  string
	size int64
	mu   sync.Mutex
}

// used returns the bytes the files of dir hold, with the file f at size.
func (d *smallDisk) used(f *os.File, size int64) int64 {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && (f == nil || filepath.Join(d.dir, e.Name()) != f.Name()) {
			n += fi.Size()
		}
	}
	if f != nil {
		if fi, err := f.Stat(); err == nil {
			size = max(size, fi.Size())
		}
	}
	return n + size
}

func (d *smallDisk) Allocate(f *os.File, size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if filepath.Dir(f.Name()) == d.dir && d.used(f, size) > d.size {
		return fmt.Errorf("to %d bytes: %w", size, syscall.ENOSPC) // as mmap.OS says it: no name
	}
	return d.FS.Allocate(f, size)
}

func (d *smallDisk) Extend(f *os.File, size int64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if filepath.Dir(f.Name()) == d.dir && d.used(f, size) > d.size {
		return fmt.Errorf("to %d bytes: %w", size, syscall.ENOSPC) // as mmap.OS says it: no name
	}
	return d.FS.Extend(f, size)
}

func (d *smallDisk) FreeSpace(dir string) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return max(0, d.size-d.used(nil, 0)), nil
}

// A map fills its disk to within one growth step of an arena (an eighth
// of its size) before a Put fails for want of room, with an error matching
// ENOSPC; it does not fail with half the disk free, as an arena that
// doubles would. Every write acknowledged before is there after reopening.
// The disk is the seam of smallDisk; TestFullDiskFills does the same on a
// tmpfs.
func TestSmallDiskFills(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "map")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const size = 8 << 20
	disk := &smallDisk{FS: mmap.OS{}, dir: dir, size: size}
	m, err := diskmap.Open[string, string](dir, diskmap.WithFiles(nil, disk))
	if err != nil {
		t.Fatal(err)
	}
	defer maptest.CheckClose(t, m)
	want := map[string]string{}
	for i := 0; ; i++ {
		if i == 100_000 {
			t.Fatal("the disk did not fill up")
		}
		k, v := fmt.Sprintf("key %06d", i), strings.Repeat(string(rune('a'+i%26)), 1000)
		err := m.Put(k, v)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	free, _ := disk.FreeSpace(dir)
	t.Logf("Put failed after %d keys with %d bytes of %d free", len(want), free, size)
	if free > size/8 {
		t.Errorf("Put failed for want of room with %d bytes of %d free, more than an eighth", free, size)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.Open[string, string](t, dir, nil)
	maptest.RequireContents(t, m, want)
}

// roomFS reports free space as free says, where the map asks, and counts
// the questions; it notes the files opened whose names end in .compact.
type roomFS struct {
	mmap.FS
	mu      sync.Mutex
	free    func(real int64) int64
	asked   int
	created []string
}

func (f *roomFS) FreeSpace(dir string) (int64, error) {
	n, err := f.FS.FreeSpace(dir)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	if f.free != nil {
		n, err = f.free(n), nil
	}
	return n, err
}

func (f *roomFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	if strings.HasSuffix(name, ".compact") {
		f.mu.Lock()
		f.created = append(f.created, filepath.Base(name))
		f.mu.Unlock()
	}
	return f.FS.OpenFile(name, flag, perm)
}

// Compact first checks that the disk has the free space its new files
// need, and without it fails before it creates any, with an error that
// says how much it needs and how much is free, and matches ENOSPC. With
// exactly that much free, it goes ahead.
func TestCompactChecksFreeSpace(t *testing.T) {
	fs := &roomFS{FS: mmap.OS{}, free: func(int64) int64 { return 1000 }}
	m := maptest.Open[int, []byte](t, t.TempDir(), diskmap.WithFiles(nil, fs))
	want := map[int][]byte{}
	for i := range 200 {
		want[i] = bytes.Repeat([]byte{byte(i)}, 1000)
		if err := m.Put(i, want[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if _, err := m.Delete(i); err != nil {
			t.Fatal(err)
		}
		delete(want, i)
	}
	before := m.Stats()
	err := m.Compact()
	t.Logf("Compact with 1000 bytes free: %v", err)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "1000 are free") {
		t.Fatalf("Compact with 1000 bytes free: %v, want ENOSPC saying 1000 are free", err)
	}
	var need int64
	if _, serr := fmt.Sscanf(err.Error()[strings.Index(err.Error(), "need "):], "need %d bytes", &need); serr != nil {
		t.Fatalf("the error does not say how much is needed: %v", err)
	}
	if live := before.Keys.Live + before.Values.Live; need < live {
		t.Fatalf("Compact says it needs %d bytes, less than the %d bytes of live records", need, live)
	}
	if len(fs.created) > 0 {
		t.Fatalf("the refused Compact created %v", fs.created)
	}
	if s := m.Stats(); s.Compacted != before.Compacted || s.Values != before.Values {
		t.Fatalf("the refused Compact changed the map: %+v, was %+v", s, before)
	}

	fs.free = func(int64) int64 { return need }
	if err := m.Compact(); err != nil {
		t.Fatalf("Compact with the %d bytes it needs free: %v", need, err)
	}
	if s := m.Stats(); s.Compacted != before.Compacted+1 || s.Values.Dead != 0 {
		t.Fatalf("after Compact: %+v", s)
	}
	maptest.RequireBytes(t, m, want)
}
