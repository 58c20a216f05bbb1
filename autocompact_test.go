package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// The tests in this file follow Options.CompactAt: a write first compacts
// the map when an arena of at least CompactMinBytes of records holds more
// than CompactAt dead bytes, and first rebuilds the table when more than
// CompactAt of its slots are tombstones.

// autoRecord is the size of the record of an autoValue: what each
// replacement leaves dead.
var autoRecord = layout.RecordSize(1000)

// autoValue returns the value of round r for key i: 1000 bytes, 999 in odd
// rounds. All have one record size, but a value never has the length of
// the round before, so that no replacement is written in place (see Update
// in place in package layout): each leaves its record dead.
func autoValue(i, r int) []byte {
	return bytes.Repeat([]byte{byte('a' + (i+r)%26)}, 1000-r&1)
}

// fillAuto puts n keys of 1000-byte values and returns what m holds.
func fillAuto(t *testing.T, m *diskmap.Map[int, []byte], n int) map[int][]byte {
	t.Helper()
	want := map[int][]byte{}
	for i := range n {
		want[i] = autoValue(i, 0)
		if err := m.Put(i, want[i]); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// dueAt reports whether a write to a map in the state s must first compact
// it, by the rule of Options.CompactAt: an arena of at least min bytes of
// records with more than share of them dead.
func dueAt(s diskmap.Stats, share float64, min int64) bool {
	for _, a := range []diskmap.ArenaStats{s.Keys, s.Values} {
		if a.Live+a.Dead >= min && a.DeadShare() > share {
			return true
		}
	}
	return false
}

// A map replacing its values compacts at the first write that finds more
// than CompactAt of the values arena dead, and at no other: before each
// write the test works out from Stats whether the write must compact, and
// after it checks that it did, or did not. Every key keeps its last value.
func TestAutoCompactAtThreshold(t *testing.T) {
	for _, share := range []float64{0.25, 0.5, 0.75} {
		t.Run(fmt.Sprint(share), func(t *testing.T) {
			const min = 64 << 10
			m := maptest.Open[int, []byte](t, t.TempDir(), &diskmap.Options{CompactAt: share, CompactMinBytes: min})
			want := fillAuto(t, m, 100) // 100 KiB of values
			runs := 0
			for r := 1; r <= 12; r++ {
				for i := range 100 {
					before := m.Stats()
					due := dueAt(before, share, min)
					want[i] = autoValue(i, r)
					if err := m.Put(i, want[i]); err != nil {
						t.Fatal(err)
					}
					after := m.Stats()
					if due {
						runs++
					}
					if got := int(after.AutoCompactions); got != runs {
						t.Fatalf("round %d, key %d: %d automatic compactions, want %d (before the write: values %+v, dead share %.4f)",
							r, i, got, runs, before.Values, before.Values.DeadShare())
					}
					if due && (after.Values.Dead != autoRecord || after.Compacted != before.Compacted+1) {
						t.Fatalf("after the write that compacted: values %+v, Compacted %d; want only the record it replaced dead, Compacted %d",
							after.Values, after.Compacted, before.Compacted+1)
					}
				}
			}
			if runs < 3 {
				t.Fatalf("only %d automatic compactions: too few to test", runs)
			}
			t.Logf("%d automatic compactions", runs)
			maptest.RequireBytes(t, m, want)
		})
	}
}

// Arenas smaller than CompactMinBytes are not compacted by themselves,
// however dead; once one passes it, the next write compacts.
func TestAutoCompactMinBytes(t *testing.T) {
	const min = 256 << 10
	m := maptest.Open[int, []byte](t, t.TempDir(), &diskmap.Options{CompactAt: 0.5, CompactMinBytes: min})
	want := fillAuto(t, m, 10)
	for r := 1; ; r++ {
		s := m.Stats()
		if s.Values.Live+s.Values.Dead >= min {
			break
		}
		if s.AutoCompactions != 0 || s.Compacted != 0 {
			t.Fatalf("a map of %d bytes of values, %.2f dead, compacted: %+v", s.Values.Live+s.Values.Dead, s.Values.DeadShare(), s)
		}
		want[r%10] = autoValue(r%10, r/10)
		if err := m.Put(r%10, want[r%10]); err != nil {
			t.Fatal(err)
		}
	}
	if share := m.Stats().Values.DeadShare(); share < 0.9 {
		t.Fatalf("dead share %.2f when the arena reached its minimum: too little to test", share)
	}
	want[0] = autoValue(0, -1)
	if err := m.Put(0, want[0]); err != nil {
		t.Fatal(err)
	}
	if s := m.Stats(); s.AutoCompactions != 1 || s.Values.Dead != autoRecord {
		t.Fatalf("after the first write past CompactMinBytes: %+v, want one automatic compaction", s)
	}
	maptest.RequireBytes(t, m, want)
}

// A negative CompactAt turns automatic compaction off: neither dead bytes
// nor tombstones make a write compact or rebuild the table.
func TestAutoCompactOff(t *testing.T) {
	m := maptest.Open[int, []byte](t, t.TempDir(), &diskmap.Options{CompactAt: -1, CompactMinBytes: 1, Capacity: 700})
	want := fillAuto(t, m, 700)
	for r := 1; r <= 5; r++ {
		for i := range 100 {
			want[i] = autoValue(i, r)
			if err := m.Put(i, want[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 100; i < 600; i++ {
		if _, err := m.Delete(i); err != nil {
			t.Fatal(err)
		}
		delete(want, i)
	}
	if err := m.Put(0, want[0]); err != nil {
		t.Fatal(err)
	}
	s := m.Stats()
	if s.AutoCompactions != 0 || s.Compacted != 0 || s.Resizes != 0 {
		t.Fatalf("with CompactAt < 0: %+v, want no compaction or rebuild", s)
	}
	if s.Values.DeadShare() < 0.75 || s.Tombstones != 500 {
		t.Fatalf("dead share %.2f, %d tombstones: too few to test", s.Values.DeadShare(), s.Tombstones)
	}
	maptest.RequireBytes(t, m, want)
}

// Tombstones past CompactAt of the slots make the next write rebuild the
// table at its size, before the maximum load would: the arenas stay as
// they are (they are below CompactMinBytes here).
func TestAutoCompactTombstones(t *testing.T) {
	m := maptest.Open[int, []byte](t, t.TempDir(), &diskmap.Options{CompactAt: 0.25, Capacity: 500})
	want := map[int][]byte{}
	for i := range 500 {
		want[i] = []byte{byte(i)}
		if err := m.Put(i, want[i]); err != nil {
			t.Fatal(err)
		}
	}
	s := m.Stats()
	if s.Capacity != 1024 || s.Resizes != 0 {
		t.Fatalf("after the puts: %+v, want 1024 slots and no rebuild", s)
	}
	limit := s.Capacity / 4
	for i := range limit + 1 {
		if s := m.Stats(); s.Resizes != 0 {
			t.Fatalf("rebuilt with %d tombstones, the limit is %d", s.Tombstones, limit)
		}
		if _, err := m.Delete(i); err != nil {
			t.Fatal(err)
		}
		delete(want, i)
	}
	if err := m.Put(1000, []byte("new")); err != nil {
		t.Fatal(err)
	}
	want[1000] = []byte("new")
	s = m.Stats()
	if s.Resizes != 1 || s.Capacity != 1024 || s.Compacted != 0 || !diskmap.Growing(m) {
		t.Fatalf("after the write past %d tombstones: %+v, want the table rebuilding at 1024 slots, and no compaction", limit, s)
	}
	// The rebuild moves a few dozen slots a write: the tombstones go as
	// it goes.
	for i := 0; diskmap.Growing(m) && i < 1024; i++ {
		want[499] = []byte{byte(i)}
		if err := m.Put(499, want[499]); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Sync(); err != nil { // waits for the install
		t.Fatal(err)
	}
	s = m.Stats()
	if s.Resizes != 1 || s.Tombstones != 0 || s.Capacity != 1024 || s.Compacted != 0 || diskmap.Growing(m) {
		t.Fatalf("after the rebuild: %+v, want the table rebuilt at 1024 slots, and no compaction", s)
	}
	maptest.RequireBytes(t, m, want)
}

// A write may store a view of the map, as a key or a value, also when it
// first compacts the map, which unmaps the files the view points into:
// the write copies it first.
func TestAutoCompactWriteOfOwnView(t *testing.T) {
	big := bytes.Repeat([]byte("the key is its own value "), 4<<10)
	writes := []struct {
		name  string
		write func(m *diskmap.Map[[]byte, []byte], view []byte) error
		after map[string][]byte // what the map holds afterwards
	}{
		{"Put", func(m *diskmap.Map[[]byte, []byte], v []byte) error { return m.Put(v, v) },
			map[string][]byte{string(big): big}},
		{"Entry.Set", func(m *diskmap.Map[[]byte, []byte], v []byte) error { return m.Entry([]byte("other")).Set(v) },
			map[string][]byte{string(big): big, "other": big}},
		{"Delete", func(m *diskmap.Map[[]byte, []byte], v []byte) error { _, err := m.Delete(v); return err },
			map[string][]byte{}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			m := maptest.Open[[]byte, []byte](t, t.TempDir(), &diskmap.Options{CompactAt: 0.5, CompactMinBytes: 1})
			for i := range 3 { // two dead copies, one live; not as long as the one before, so not written in place
				if err := m.Put(big, big[:len(big)-i%2]); err != nil {
					t.Fatal(err)
				}
			}
			v, ok, err := m.View(big)
			if err != nil || !ok {
				t.Fatalf("View = %v, %v", ok, err)
			}
			if err := writeNoFault(t, func() error { return w.write(m, v) }); err != nil {
				t.Fatal(err)
			}
			if s := m.Stats(); s.AutoCompactions != 1 {
				t.Fatalf("the write did not compact: %+v", s)
			}
			if m.Len() != len(w.after) {
				t.Fatalf("Len = %d, want %d", m.Len(), len(w.after))
			}
			for k, want := range w.after {
				if got, ok, err := m.Get([]byte(k)); err != nil || !ok || !bytes.Equal(got, want) {
					t.Fatalf("Get = %d bytes, %v, %v; want %d bytes", len(got), ok, err, len(want))
				}
			}
		})
	}
}

// An iteration in progress puts automatic compaction off, so that writes
// from the loop body do not end it: every key is visited, and the first
// write after the loop compacts.
func TestAutoCompactWaitsForIteration(t *testing.T) {
	m := maptest.Open[int, []byte](t, t.TempDir(), &diskmap.Options{CompactAt: 0.5, CompactMinBytes: 1})
	want := fillAuto(t, m, 100)
	seen := 0
	for k := range m.Keys() {
		seen++
		for r := 1; r <= 3; r++ {
			want[k] = autoValue(k, r)
			if err := m.Put(k, want[k]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Err(); err != nil {
		t.Fatalf("the iteration ended with %v", err)
	}
	s := m.Stats()
	if seen != 100 || s.AutoCompactions != 0 || s.Values.DeadShare() < 0.5 {
		t.Fatalf("visited %d keys of 100; %+v: want no compaction during the iteration, with the dead share past 0.5", seen, s)
	}
	want[0] = autoValue(0, 9)
	if err := m.Put(0, want[0]); err != nil {
		t.Fatal(err)
	}
	if s := m.Stats(); s.AutoCompactions != 1 {
		t.Fatalf("the first write after the iteration did not compact: %+v", s)
	}
	maptest.RequireBytes(t, m, want)
}

// An automatic compaction that fails does not fail the write that tried
// it: the write is done and kept, Stats.AutoCompactErr says why, and no
// write tries again until the arenas hold CompactMinBytes more. Once one
// succeeds, the error is gone.
func TestAutoCompactFailureKeepsTheWrite(t *testing.T) {
	fs := &roomFS{FS: mmap.OS{}, free: func(int64) int64 { return 0 }}
	const min = 64 << 10
	dir := t.TempDir()
	m := maptest.Open[int, []byte](t, dir, diskmap.WithFiles(&diskmap.Options{CompactAt: 0.5, CompactMinBytes: min}, fs))
	want := fillAuto(t, m, 100)
	var failedAt diskmap.Stats
	for r := 1; r <= 3; r++ {
		for i := range 100 {
			want[i] = autoValue(i, r)
			if err := m.Put(i, want[i]); err != nil {
				t.Fatalf("Put with the automatic compaction failing: %v", err)
			}
			if s := m.Stats(); s.AutoCompactErr != nil && failedAt.AutoCompactErr == nil {
				failedAt = s
			}
		}
	}
	s := m.Stats()
	t.Logf("the automatic compaction failed with %v", s.AutoCompactErr)
	if !errors.Is(s.AutoCompactErr, syscall.ENOSPC) || s.AutoCompactions != 0 {
		t.Fatalf("Stats after the failed automatic compaction: %+v, want AutoCompactErr matching ENOSPC", s)
	}
	// Each retry waits for CompactMinBytes more records than the last try
	// saw, which was before its write.
	grown := s.Values.Live + s.Values.Dead - failedAt.Values.Live - failedAt.Values.Dead
	if most := 1 + int((grown+autoRecord)/min); fs.asked < 2 || fs.asked > most {
		t.Fatalf("%d compactions tried as the values grew by %d bytes past the first failure, want 2 to %d", fs.asked, grown, most)
	}
	maptest.RequireBytes(t, m, want)

	fs.free = nil
	for i := 0; m.Stats().AutoCompactions == 0; i++ {
		if i == 100 {
			t.Fatal("no automatic compaction once the disk has room")
		}
		want[i] = autoValue(i, 4)
		if err := m.Put(i, want[i]); err != nil {
			t.Fatal(err)
		}
	}
	if s := m.Stats(); s.AutoCompactErr != nil {
		t.Fatalf("AutoCompactErr after a compaction succeeded: %v", s.AutoCompactErr)
	}
	maptest.CloseChecked(t, m)
	m = maptest.Open[int, []byte](t, dir, nil)
	maptest.RequireBytes(t, m, want)
}
