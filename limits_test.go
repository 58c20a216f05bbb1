package diskmap_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// The limits of a 32-bit system leave room in its address space for the
// largest map: both mappings of both arenas, the read-only ones with an
// eighth more room to grow in place, and the table, twice the table while
// it grows, within 1.5 GiB. A 64-bit system has the format's.
func TestPlatformLimits(t *testing.T) {
	t.Parallel()
	arena, log2 := diskmap.Limits(32)
	table := int64(layout.MetaSize) + layout.SlotSize<<log2
	if mapped := 2*arena + 2*(arena+arena/8) + table + table/2; mapped > 3<<29 {
		t.Errorf("the largest map on a 32-bit system maps %d bytes, more than 1.5 GiB", mapped)
	}
	if arena < 64<<20 || log2 < 20 {
		t.Errorf("32-bit limits of %d bytes an arena and 2^%d slots are needlessly small", arena, log2)
	}
	if arena, log2 := diskmap.Limits(64); arena != layout.MaxArenaSize || log2 != layout.MaxLog2 {
		t.Errorf("64-bit limits %d, 2^%d; want the format's", arena, log2)
	}
}

// A Put that would take the values arena past its limit fails with
// ErrTooLarge, naming the file and the limit, before any file changes; the
// map stays usable, and closes and opens again as it was.
func TestArenaLimit(t *testing.T) {
	// sets the arena limit of every map
	for _, d := range maptest.Modes {
		t.Run(d.String(), func(t *testing.T) {
			defer diskmap.SetArenaLimit(4 << 20)()
			dir := t.TempDir()
			opts := &diskmap.Options{Durability: d}
			m := maptest.Open[int, []byte](t, dir, opts)
			v := bytes.Repeat([]byte("v"), 1<<20)
			want := map[int][]byte{}
			var err error
			var before map[string]string
			for i := range 10 {
				// An allocation ahead that the Put before started runs
				// beside the writes and changes the files by itself.
				if err := diskmap.TakeAllocated(m); err != nil {
					t.Fatal(err)
				}
				before = fileDigests(t, dir)
				if err = m.Put(i, v); err != nil {
					break
				}
				want[i] = v
			}
			t.Logf("Put past the limit after %d values: %v", len(want), err)
			if !errors.Is(err, diskmap.ErrTooLarge) || errors.Is(err, diskmap.ErrCorrupt) {
				t.Fatalf("Put past the limit: %v, want ErrTooLarge", err)
			}
			if s := err.Error(); !strings.Contains(s, filepath.Join(dir, "values")) || !strings.Contains(s, fmt.Sprint(4<<20)) {
				t.Errorf("the error names neither the values file nor the limit: %v", err)
			}
			if after := fileDigests(t, dir); !equalDigests(before, after) {
				t.Errorf("the failed Put changed the files:\nbefore %v\nafter  %v", before, after)
			}

			if err := m.Put(100, []byte("small")); err != nil {
				t.Fatalf("a small Put after the failed one: %v", err)
			}
			want[100] = []byte("small")
			if _, err := m.Delete(0); err != nil {
				t.Fatal(err)
			}
			delete(want, 0)
			maptest.RequireBytes(t, m, want)
			if err := m.Check(); err != nil {
				t.Fatal(err)
			}
			if err := m.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			maptest.RequireBytes(t, maptest.Open[int, []byte](t, dir, opts), want)
		})
	}
}

// A Put that needs a table past its limit fails with ErrTooLarge before any
// file changes, and the map stays usable.
func TestTableLimit(t *testing.T) {
	// sets the table limit of every map
	defer diskmap.SetTableLimit(5)()
	dir := t.TempDir()
	m := maptest.Open[int, int](t, dir, &diskmap.Options{Capacity: 8})
	var err error
	var before map[string]string
	n := 0
	for ; n < 100; n++ {
		// A Sync waits for a grown table being put in place beside the
		// writes, which changes the files by itself.
		if err := m.Sync(); err != nil {
			t.Fatal(err)
		}
		before = fileDigests(t, dir)
		if err = m.Put(n, n); err != nil {
			break
		}
	}
	t.Logf("Put past the limit after %d keys: %v", n, err)
	if !errors.Is(err, diskmap.ErrTooLarge) || !strings.Contains(err.Error(), "32 slots") {
		t.Fatalf("Put past the table's limit: %v, want ErrTooLarge naming 32 slots", err)
	}
	if after := fileDigests(t, dir); !equalDigests(before, after) {
		t.Errorf("the failed Put changed the files:\nbefore %v\nafter  %v", before, after)
	}
	if err := m.Put(0, -1); err != nil {
		t.Fatalf("replacing a value after the failed Put: %v", err)
	}
	if m.Len() != n {
		t.Fatalf("Len = %d, want %d", m.Len(), n)
	}
}

// Options that would create files past the limits are refused before any
// file is made.
func TestOptionsPastLimits(t *testing.T) {
	// sets the arena and table limits of every map
	defer diskmap.SetArenaLimit(1 << 20)()
	defer diskmap.SetTableLimit(10)()
	for _, o := range []diskmap.Options{{KeyBytes: 2 << 20}, {ValueBytes: 2 << 20}, {Capacity: 1 << 12}} {
		dir := filepath.Join(t.TempDir(), "map")
		_, err := diskmap.Open[int, int](dir, &o)
		if err == nil {
			t.Fatalf("Open with %+v past the limits succeeded", o)
		}
		t.Logf("Open with %+v: %v", o, err)
		if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("Open with %+v made files: %v", o, serr)
		}
	}
}

// A map whose files are larger than this platform maps, such as one
// written on a 64-bit system and opened on a 32-bit one, is refused with
// ErrTooLarge saying so, not as corrupt, read-only or not, and nothing is
// written to it. On a 32-bit system the arenas are made larger than its
// real limit, with holes; elsewhere the limit is lowered for the test.
func TestOpenPastLimits(t *testing.T) {
	// sets the arena and table limits of every map
	dir := t.TempDir()
	m := maptest.Open[int, []byte](t, dir, &diskmap.Options{Capacity: 1000})
	for i := range 10 {
		if err := m.Put(i, bytes.Repeat([]byte{byte(i)}, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	limit, _ := diskmap.Limits(bits.UintSize)
	if bits.UintSize == 64 {
		limit = 1 << 20
		defer diskmap.SetArenaLimit(limit)()
	}
	for _, name := range []string{"keys", "values", "buckets"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if name == "buckets" {
				defer diskmap.SetTableLimit(10)() // the table has 2^11 slots
			} else {
				defer growSparse(t, path, limit+4096)()
			}
			before := fileDigests(t, dir)
			for _, ro := range []bool{false, true} {
				_, err := diskmap.Open[int, []byte](dir, &diskmap.Options{ReadOnly: ro})
				t.Logf("Open (read-only %v): %v", ro, err)
				if !errors.Is(err, diskmap.ErrTooLarge) || errors.Is(err, diskmap.ErrCorrupt) {
					t.Fatalf("Open (read-only %v) of a map too large here: %v, want ErrTooLarge", ro, err)
				}
				if s := err.Error(); !strings.Contains(s, path) || !strings.Contains(s, fmt.Sprintf("%d-bit", bits.UintSize)) {
					t.Errorf("the error does not name %s and the platform: %v", path, err)
				}
				if strings.Count(err.Error(), "diskmap: ") > 2 {
					t.Errorf("the error repeats its prefix: %v", err)
				}
			}
			if after := fileDigests(t, dir); !equalDigests(before, after) {
				t.Errorf("the refused Open changed the files:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	m = maptest.Open[int, []byte](t, dir, nil)
	if m.Len() != 10 {
		t.Fatalf("Len = %d after the refused opens, want 10", m.Len())
	}
}

// growSparse extends the file at path to size bytes with a hole, and
// returns a function that cuts it back.
func growSparse(t *testing.T, path string, size int64) (restore func()) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.Truncate(path, fi.Size()); err != nil {
			t.Fatal(err)
		}
	}
}

// fileDigests returns the size and SHA-256 of each file in dir.
func fileDigests(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := map[string]string{}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		err = errors.Join(err, f.Close())
		if err != nil {
			t.Fatal(err)
		}
		d[e.Name()] = fmt.Sprintf("%d bytes %x", n, h.Sum(nil)[:8])
	}
	return d
}

func equalDigests(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
