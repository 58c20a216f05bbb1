//go:build linux

package diskmap_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"golang.org/x/sys/unix"
)

// The tests in this file run a map on a small tmpfs until the disk is full.
// A write through a mapping into space the file system cannot supply would
// kill the process with SIGBUS; the map must instead allocate its space
// before it writes, and return the error.

// smallTmpfs mounts a tmpfs of the given size, such as "512k", for the
// test, or skips the test when mounting is not allowed (it needs root).
func smallTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a %s tmpfs (this needs root): %v", size, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	return dir
}

// fullKey and fullValue are the keys and values that fill the disk.
func fullKey(i int) string { return fmt.Sprintf("key %06d", i) }

func fullValue(i, size int) string {
	return strings.Repeat(string(rune('a'+i%26)), size)
}

// fillUntilFull puts keys into m until a Put fails, and returns what m
// holds and the error. valueSize returns the size of value i.
func fillUntilFull(t *testing.T, m *diskmap.Map[string, string], valueSize func(i int) int) (map[string]string, error) {
	t.Helper()
	want := map[string]string{}
	for i := range 200_000 {
		v := fullValue(i, valueSize(i))
		if err := m.Put(fullKey(i), v); err != nil {
			return want, err
		}
		want[fullKey(i)] = v
	}
	t.Fatalf("the disk did not fill up after %d keys", len(want))
	return nil, nil
}

// TestFullDiskPut fills maps on a 512 KiB tmpfs until Put fails: with
// large values, the values arena cannot grow; with many small keys, the
// keys arena; with preallocated arenas and a small first table, the table. The failure is an error matching
// ENOSPC, not a fault; every key put before is still there, Check passes,
// deletes still work, and after Close the map opens again, on the same
// disk, with the same keys.
func TestFullDiskPut(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		opts      *diskmap.Options
		valueSize func(i int) int
		failing   string // the file whose growth fails
	}{
		{"large values", nil, func(i int) int { return 500 + i%1500 }, "values"},
		{"small keys", nil, func(i int) int { return i % 9 }, "keys"},
		{"table", &diskmap.Options{Capacity: 1, KeyBytes: 200 << 10}, func(int) int { return 0 }, "buckets.grow"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(smallTmpfs(t, "512k"), "map")
			m, err := diskmap.Open[string, string](dir, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer maptest.CheckClose(t, m)
			want, err := fillUntilFull(t, m, c.valueSize)
			t.Logf("Put failed after %d keys: %v", len(want), err)
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("Put on a full disk: %v, want an error matching ENOSPC", err)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, c.failing)+":") {
				t.Logf("the disk did not fill up while %s grew, as the test intends", c.failing)
			}
			maptest.RequireContents(t, m, want)
			if err := m.Check(); err != nil {
				t.Fatalf("Check after the failed Put: %v", err)
			}

			// The disk stays full: more writes fail or succeed, without
			// harm either way.
			for i := len(want); i < len(want)+50; i++ {
				v := fullValue(i, c.valueSize(i))
				if err := m.Put(fullKey(i), v); err == nil {
					want[fullKey(i)] = v
				}
			}
			for i := 0; i < 40; i += 3 {
				if ok, err := m.Delete(fullKey(i)); err != nil || !ok {
					t.Fatalf("Delete(%q) on a full disk = %v, %v", fullKey(i), ok, err)
				}
				delete(want, fullKey(i))
			}
			maptest.RequireContents(t, m, want)
			if err := m.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if err := m.Close(); err != nil {
				t.Fatalf("Close on a full disk: %v", err)
			}

			m = maptest.Open[string, string](t, dir, nil)
			maptest.RequireContents(t, m, want)
		})
	}
}

// fillDisk writes a file in dir until the disk is full, then gives back
// free bytes of it, so that the disk is nearly full.
func fillDisk(t *testing.T, dir string, free int64) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	block := make([]byte, 4096)
	var n int64
	for {
		w, err := f.Write(block)
		n += int64(w)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(max(n-free, 0)); err != nil {
		t.Fatal(err)
	}
}

// pages returns the bytes of the whole pages that n bytes take on tmpfs.
func pages(n int64) int64 { return (n + 4095) &^ 4095 }

// noStatfs is the operating system's file system, except that it cannot
// tell free space: Compact then skips its check and meets the full disk
// where an allocation fails.
type noStatfs struct{ mmap.FS }

func (noStatfs) FreeSpace(string) (int64, error) { return 0, errors.ErrUnsupported }

// TestFullDiskCompact compacts a map on a nearly full disk, with room for
// none of the new files, for the new keys arena only, and for both new
// arenas but not the new table: Compact fails with an error matching
// ENOSPC, leaves no file of its own behind, and leaves the map as it was,
// which still passes Check and takes writes. It fails so when it checks
// the free space first, and also where it cannot, when an allocation
// fails. Once there is room again, Compact succeeds.
func TestFullDiskCompact(t *testing.T) {
	t.Parallel()
	const arenaHeader = 32
	for _, c := range []struct {
		name string
		free func(s diskmap.Stats) int64 // bytes left free on the disk
	}{
		{"no room", func(diskmap.Stats) int64 { return 0 }},
		{"room for keys", func(s diskmap.Stats) int64 { return pages(arenaHeader + s.Keys.Live) }},
		{"room for keys and values", func(s diskmap.Stats) int64 {
			return pages(arenaHeader+s.Keys.Live) + pages(arenaHeader+s.Values.Live)
		}},
	} {
		for _, check := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/free space checked %v", c.name, check), func(t *testing.T) {
				var fs mmap.FS = mmap.OS{}
				if !check {
					fs = noStatfs{fs}
				}
				compactOnFullDisk(t, fs, c.free)
			})
		}
	}
}

// compactOnFullDisk is a run of TestFullDiskCompact, with free bytes left
// on the disk.
func compactOnFullDisk(t *testing.T, fs mmap.FS, free func(s diskmap.Stats) int64) {
	disk := smallTmpfs(t, "512k")
	dir := filepath.Join(disk, "map")
	m := maptest.Open[string, string](t, dir, diskmap.WithFiles(nil, fs))
	want := fillForCompact(t, m)
	before := m.Stats()
	fillDisk(t, disk, free(before))

	err := m.Compact()
	t.Logf("Compact on a nearly full disk: %v", err)
	if err == nil {
		t.Fatal("Compact succeeded on a nearly full disk")
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Compact: %v, want an error matching ENOSPC", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.compact")); len(left) > 0 {
		t.Errorf("the failed Compact left %v", left)
	}
	if err := m.Check(); err != nil {
		t.Fatalf("Check after the failed Compact: %v", err)
	}
	maptest.RequireContents(t, m, want)
	if after := m.Stats(); after.Keys != before.Keys || after.Values != before.Values || after.Compacted != before.Compacted {
		t.Errorf("Stats after the failed Compact = %+v, want %+v", after, before)
	}
	if ok, err := m.Delete(fullKey(0)); err != nil || !ok {
		t.Fatalf("Delete after the failed Compact = %v, %v", ok, err)
	}
	delete(want, fullKey(0))
	if err := m.Put(fullKey(0), "x"); err != nil {
		t.Fatalf("Put after the failed Compact: %v", err)
	}
	want[fullKey(0)] = "x"

	if err := os.Remove(filepath.Join(disk, "filler")); err != nil {
		t.Fatal(err)
	}
	if err := m.Compact(); err != nil {
		t.Fatalf("Compact with room: %v", err)
	}
	if err := m.Check(); err != nil {
		t.Fatalf("Check after Compact: %v", err)
	}
	maptest.RequireContents(t, m, want)
	if s := m.Stats(); s.Keys.Dead != 0 || s.Values.Dead != 0 {
		t.Errorf("after Compact, dead bytes: keys %d, values %d", s.Keys.Dead, s.Values.Dead)
	}
}

// The free space Compact says it needs, on a full disk, is enough: with
// that much free, it succeeds.
func TestFullDiskCompactWithTheRoomItAsks(t *testing.T) {
	disk := smallTmpfs(t, "512k")
	dir := filepath.Join(disk, "map")
	m := maptest.Open[string, string](t, dir, nil)
	want := fillForCompact(t, m)
	fillDisk(t, disk, 0)
	err := m.Compact()
	var need int64
	if i := strings.Index(fmt.Sprint(err), "need "); i < 0 {
		t.Fatalf("Compact on a full disk: %v, want an error saying how much it needs", err)
	} else if _, err := fmt.Sscanf(err.Error()[i:], "need %d bytes", &need); err != nil {
		t.Fatal(err)
	}
	t.Logf("Compact on a full disk: %v", err)
	fillDisk(t, disk, need)
	if err := m.Compact(); err != nil {
		t.Fatalf("Compact with the %d bytes it asked for free: %v", need, err)
	}
	maptest.RequireContents(t, m, want)
}

// fillForCompact puts 400 keys into m, then replaces and deletes some, so
// that Compact has dead records to drop, and returns what m holds.
func fillForCompact(t *testing.T, m *diskmap.Map[string, string]) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range 400 {
		v := fullValue(i, 200+i%200)
		if err := m.Put(fullKey(i), v); err != nil {
			t.Fatal(err)
		}
		want[fullKey(i)] = v
	}
	for i := 0; i < 400; i += 4 {
		v := fullValue(i+1, 100)
		if err := m.Put(fullKey(i), v); err != nil {
			t.Fatal(err)
		}
		want[fullKey(i)] = v
	}
	for i := 1; i < 400; i += 5 {
		if _, err := m.Delete(fullKey(i)); err != nil {
			t.Fatal(err)
		}
		delete(want, fullKey(i))
	}
	return want
}

// walFillKeys is how many keys the maps of the WAL full-disk tests hold
// before the disk fills: a table of 2^17 slots, 2 MiB.
const walFillKeys = 60_000

// fillWALMap opens a map in durability d in dir on disk, puts walFillKeys
// keys, calls before, fills the rest of the disk with another file, then
// puts more keys until a Put fails, and returns the map and what it holds.
func fillWALMap(t *testing.T, disk, dir string, d diskmap.Durability, before func()) (*diskmap.Map[string, string], map[string]string) {
	t.Helper()
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d, WALCheckpointBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := range walFillKeys {
		v := fullValue(i, 20+i%40)
		if err := m.Put(fullKey(i), v); err != nil {
			t.Fatalf("Put %d before the disk is full: %v", i, err)
		}
		want[fullKey(i)] = v
	}
	before()
	fillDisk(t, disk, 0)
	for i := walFillKeys; ; i++ {
		v := fullValue(i, 20+i%40)
		err := m.Put(fullKey(i), v)
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Put on a full disk: %v, want an error matching ENOSPC", err)
			}
			t.Logf("Put failed after %d keys: %v", len(want), err)
			return m, want
		}
		want[fullKey(i)] = v
		if i > 4*walFillKeys {
			t.Fatal("the disk did not fill up")
		}
	}
}

// isDirty reports whether the map in dir was left not closed cleanly.
func isDirty(t *testing.T, dir string) bool {
	t.Helper()
	h := currentHeader(t, dir)
	return h.Dirty()
}

// TestFullDiskCloseAndOpen fills the disk under a map in each mode, then closes it
// and opens it again, for writing and read-only, on the full disk: every
// key is there each time. In the WAL modes so it is after a crash on the
// full disk too. Once there is room again the map takes writes. In the WAL
// modes a checkpoint writes its table into the space of the spare table,
// held since the table last grew, so it needs no free space.
func TestFullDiskCloseAndOpen(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		d := opts.Durability
		disk := smallTmpfs(t, "24m")
		dir := filepath.Join(disk, "map")
		m, want := fillWALMap(t, disk, dir, d, func() {})
		if err := m.Check(); err != nil {
			t.Fatalf("Check on a full disk: %v", err)
		}
		if d != diskmap.DurabilityOS {
			requireSpare(t, dir)
		}
		crashed := filepath.Join(t.TempDir(), "crashed") // not on the full disk
		maptest.CrashCopy(t, dir, crashed)
		if err := m.Close(); err != nil {
			t.Fatalf("Close on a full disk: %v", err)
		}
		if isDirty(t, dir) {
			t.Fatal("Close on a full disk left the map dirty")
		}
		reopenFull(t, dir, d, want)

		// A crash on the full disk: the files as the kill left them.
		// (Recovery in DurabilityOS rebuilds the table beside the old
		// one, and needs room for it.)
		if d != diskmap.DurabilityOS {
			for _, name := range maptest.MapFiles { // back over those on the full disk
				maptest.CopyFile(t, crashed, dir, name)
			}
			reopenFull(t, dir, d, want)
			requireSpare(t, dir)
		}

		if err := os.Remove(filepath.Join(disk, "filler")); err != nil {
			t.Fatal(err)
		}
		writeWithRoom(t, dir, d, want)
	})
}

// requireSpare fails the test unless dir holds a spare table the size of
// its table.
func requireSpare(t *testing.T, dir string) {
	t.Helper()
	fs, err := os.Stat(filepath.Join(dir, "buckets.spare"))
	if err != nil {
		t.Fatalf("no spare table: %v", err)
	}
	if fb, _ := os.Stat(filepath.Join(dir, "buckets")); fs.Size() != fb.Size() {
		t.Fatalf("the spare table holds %d bytes, the table %d", fs.Size(), fb.Size())
	}
}

// reopenFull opens the map in dir, on a full disk, for writing and then
// read-only, and checks that it holds want each time.
func reopenFull(t *testing.T, dir string, d diskmap.Durability, want map[string]string) {
	t.Helper()
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d})
	if err != nil {
		t.Fatalf("Open on a full disk: %v", err)
	}
	maptest.RequireContents(t, m, want)
	maptest.CloseChecked(t, m)
	ro, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open on a full disk: %v", err)
	}
	maptest.RequireContents(t, ro, want)
	maptest.CloseChecked(t, ro)
}

// writeWithRoom opens the map in dir, once the disk has room again, puts
// keys into it, closes it, and checks it read-only.
func writeWithRoom(t *testing.T, dir string, d diskmap.Durability, want map[string]string) {
	t.Helper()
	m := maptest.Open[string, string](t, dir, &diskmap.Options{Durability: d})
	maptest.RequireContents(t, m, want)
	for i := range 1000 {
		k := fmt.Sprintf("after %d", i)
		if err := m.Put(k, "room again"); err != nil {
			t.Fatalf("Put once there is room: %v", err)
		}
		want[k] = "room again"
	}
	maptest.CloseChecked(t, m)
	if isDirty(t, dir) {
		t.Fatal("Close with room left the map dirty")
	}
	m = maptest.Open[string, string](t, dir, &diskmap.Options{Durability: d, ReadOnly: true})
	maptest.RequireContents(t, m, want)
}

// A map without a spare table, such as one created by format version 1 or
// in DurabilityOS, cannot checkpoint on a full disk: Close syncs the log,
// leaves the map dirty and returns nil; Open for writing recovers the map
// from the log without writing a table, and loses nothing; a read-only
// Open refuses the dirty map (ErrReadOnly). Once there is room, the next
// checkpoint takes a spare again.
func TestFullDiskCloseAndOpenWithoutSpare(t *testing.T) {
	t.Parallel()
	for _, d := range []diskmap.Durability{diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		t.Run(d.String(), func(t *testing.T) {
			disk := smallTmpfs(t, "24m")
			dir := filepath.Join(disk, "map")
			spare := filepath.Join(dir, "buckets.spare")
			m, want := fillWALMap(t, disk, dir, d, func() {
				if err := os.Remove(spare); err != nil {
					t.Fatal(err)
				}
			})
			if err := m.Close(); err != nil {
				t.Fatalf("Close on a full disk without a spare: %v", err)
			}
			if !isDirty(t, dir) {
				t.Fatal("Close without room for a table left the map clean")
			}
			for range 2 {
				m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d})
				if err != nil {
					t.Fatalf("Open on a full disk without a spare: %v", err)
				}
				maptest.RequireContents(t, m, want)
				maptest.CloseChecked(t, m)
				if _, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true}); !errors.Is(err, diskmap.ErrReadOnly) {
					t.Fatalf("read-only Open of the map left dirty = %v, want ErrReadOnly", err)
				}
			}
			if err := os.Remove(filepath.Join(disk, "filler")); err != nil {
				t.Fatal(err)
			}
			writeWithRoom(t, dir, d, want)
			requireSpare(t, dir)
		})
	}
}

// A map on an 8 MiB tmpfs, of 1 KB values, fills the disk to within one
// growth step of an arena (an eighth of its size) before a Put fails with
// ENOSPC, and every write acknowledged before is there after reopening.
func TestFullDiskFills(t *testing.T) {
	disk := smallTmpfs(t, "8m")
	dir := filepath.Join(disk, "map")
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer maptest.CheckClose(t, m)
	want, err := fillUntilFull(t, m, func(int) int { return 1000 })
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Put on a full disk: %v, want an error matching ENOSPC", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(disk, &st); err != nil {
		t.Fatal(err)
	}
	free, size := int64(st.Bavail)*int64(st.Bsize), int64(st.Blocks)*int64(st.Bsize)
	t.Logf("Put failed after %d keys with %d bytes of %d free: %v", len(want), free, size, err)
	if free > size/8 {
		t.Errorf("Put failed for want of room with %d bytes of %d free, more than an eighth", free, size)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.Open[string, string](t, dir, nil)
	maptest.RequireContents(t, m, want)
}
