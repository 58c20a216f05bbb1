package diskmap_test

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/mmap"
	"github.com/diskmap-go/diskmap/layout"
)

// opsFS notes the opens, allocations, syncs, directory syncs and renames
// made through it.
type opsFS struct {
	mmap.FS
	mu  sync.Mutex
	ops []string
}

func (f *opsFS) note(op, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, op+" "+filepath.Base(name))
}

func (f *opsFS) taken() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ops := f.ops
	f.ops = nil
	return ops
}

// of returns the operations noted of the kinds given.
func of(ops []string, kinds ...string) []string {
	var these []string
	for _, op := range ops {
		for _, k := range kinds {
			if strings.HasPrefix(op, k+" ") {
				these = append(these, op)
			}
		}
	}
	return these
}

func (f *opsFS) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	f.note("open", name)
	return f.FS.OpenFile(name, flag, perm)
}
func (f *opsFS) Allocate(x *os.File, size int64) error {
	f.note("allocate", x.Name())
	return f.FS.Allocate(x, size)
}
func (f *opsFS) Sync(x *os.File) error        { f.note("sync", x.Name()); return f.FS.Sync(x) }
func (f *opsFS) SyncDir(dir string) error     { f.note("syncdir", dir); return f.FS.SyncDir(dir) }
func (f *opsFS) Rename(from, to string) error { f.note("rename", from); return f.FS.Rename(from, to) }

// growKey is key i of the tests of a growing table.
func growKey(i int) string { return fmt.Sprintf("grow-%d", i) }

// fillToGrowth puts keys from *next on until a Put makes the table grow,
// and returns what that Put did through fs.
func fillToGrowth(t *testing.T, m *diskmap.Map[string, string], want map[string]string, next *int, fs *opsFS) []string {
	t.Helper()
	slots := m.Stats().Capacity
	for m.Stats().Capacity == slots {
		fs.taken()
		k := growKey(*next)
		*next++
		want[k] = k
		if err := m.Put(k, k); err != nil {
			t.Fatal(err)
		}
	}
	return fs.taken()
}

// A Put that passes the maximum load starts the table growing and
// returns: it moves a few dozen slots, and syncs and renames nothing,
// where growing all at once took the rest of the table, a sync of the
// arenas and of the new table, a rename and a sync of the directory. The
// writes after it move the rest; meanwhile every key reads back and Check
// passes; then the new table replaces the old one, by itself, beside the
// writes, and a Sync waits for that.
func TestGrowthSpreadsOverWrites(t *testing.T) {
	t.Parallel()
	ops := &opsFS{FS: mmap.OS{}}
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, diskmap.WithFiles(&diskmap.Options{Capacity: 6000}, ops))
	want := map[string]string{}
	next := 0
	if ops := of(fillToGrowth(t, m, want, &next, ops), "sync", "syncdir", "rename"); len(ops) > 0 {
		t.Fatalf("the Put that grew the table made %v", ops)
	}
	if st := m.Stats(); st.Capacity != 16384 || !diskmap.Growing(m) {
		t.Fatalf("after the Put that passed the load: %d slots, growing %v; want 16384, growing", st.Capacity, diskmap.Growing(m))
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.next")); err != nil {
		t.Fatalf("the new table: %v", err)
	}
	maptest.RequireContents[string, string](t, m, want)
	if err := m.Check(); err != nil {
		t.Fatalf("Check while the table grows: %v", err)
	}
	writes := 0
	for ; diskmap.Growing(m) && writes < 8192; writes++ {
		k := growKey(writes % next)
		want[k] = fmt.Sprint(writes)
		if err := m.Put(k, want[k]); err != nil {
			t.Fatal(err)
		}
		if writes == 40 {
			maptest.RequireContents[string, string](t, m, want)
		}
	}
	if err := m.Sync(); err != nil {
		t.Fatal(err)
	}
	if diskmap.Growing(m) {
		t.Fatalf("still growing after %d writes and a Sync", writes)
	}
	// 8192 old slots, 64 and the rest of their cluster at each write.
	if writes < 8192/64/4 {
		t.Fatalf("the table grew in %d writes: too few for a few dozen slots each", writes)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("buckets.next after the growth: %v", err)
	}
	if h := currentHeader(t, dir); h.Slots() != 16384 {
		t.Fatalf("buckets holds %d slots, want 16384", h.Slots())
	}
	maptest.RequireContents[string, string](t, m, want)
}

// fillToPrepared puts keys growKey(0), growKey(1)... holding themselves
// into m, a map of 2^16 slots, and into want, until one more would grow
// its table: the next table is prepared by then. It returns how many it
// put.
func fillToPrepared(t *testing.T, m *diskmap.Map[string, string], want map[string]string) int {
	t.Helper()
	i := 0
	for ; float64(m.Len()+1) <= 0.75*float64(1<<16); i++ {
		k := growKey(i)
		want[k] = k
		if err := m.Put(k, k); err != nil {
			t.Fatal(err)
		}
	}
	return i
}

// A table of 2^16 slots or more prepares the next one beside the writes,
// as it nears its maximum load: the Put that starts the growth takes it,
// and opens, allocates and syncs nothing.
func TestGrowthTakesPreparedTable(t *testing.T) {
	t.Parallel()
	ops := &opsFS{FS: mmap.OS{}}
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, diskmap.WithFiles(&diskmap.Options{Capacity: 40000}, ops))
	if s := m.Stats(); s.Capacity != 1<<16 {
		t.Fatalf("%d slots, want 65536", s.Capacity)
	}
	want := map[string]string{}
	i := fillToPrepared(t, m, want)
	if err := m.Sync(); err != nil { // waits for the table being prepared
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.next")); err != nil {
		t.Fatalf("no table prepared: %v", err)
	}
	ops.taken()
	k := growKey(i)
	want[k] = k
	if err := m.Put(k, k); err != nil {
		t.Fatal(err)
	}
	if got := ops.taken(); len(got) > 0 {
		t.Fatalf("the Put that grew the table made %v", got)
	}
	if s := m.Stats(); s.Capacity != 1<<17 || !diskmap.Growing(m) {
		t.Fatalf("after the Put that passed the load: %d slots, growing %v", s.Capacity, diskmap.Growing(m))
	}
	maptest.RequireContents[string, string](t, m, want)
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}

// The table prepared for the next growth is mapped in beside the writes
// before the growth begins, so that its first writes, a new key at a
// random page each, do not fault.
func TestPreparedTableIsPrefaulted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, &diskmap.Options{Capacity: 40000})
	fillToPrepared(t, m, map[string]string{})
	resident, size, err := diskmap.PreparedResident(m)
	if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EINVAL) {
		t.Skipf("no prefaulting here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if resident != size {
		t.Fatalf("%d bytes of the prepared table of %d are in memory, want all", resident, size)
	}
	if diskmap.Growing(m) {
		t.Fatal("the table grows already")
	}
}

// A batch that needs a larger table than the one prepared lets the
// prepared one go, prefaulted or not, and grows into one of its own.
func TestBatchPassesPreparedTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, &diskmap.Options{Capacity: 40000})
	want := map[string]string{}
	i := fillToPrepared(t, m, want)
	if err := m.Sync(); err != nil { // waits for the table being prepared
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets.next")); err != nil {
		t.Fatalf("no table prepared: %v", err)
	}
	err := m.Batch(func(b *diskmap.Batch[string, string]) error {
		for end := i + 200000; i < end; i++ {
			want[growKey(i)] = "w"
			if err := b.Put(growKey(i), "w"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Stats(); s.Capacity != 1<<19 {
		t.Fatalf("%d slots after the batch, want %d", s.Capacity, 1<<19)
	}
	maptest.RequireContents[string, string](t, m, want)
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
}

// growingMap opens a map in dir, with mode d, whose table moves step old
// slots at a write, installs in the writer with now, and has just started
// growing: the keys put are in want, and the next key to put is next.
func growingMap(t *testing.T, dir string, d diskmap.Durability, step int, now bool) (*diskmap.Map[string, string], map[string]string, int) {
	t.Helper()
	m := maptest.Open[string, string](t, dir, &diskmap.Options{Durability: d, Capacity: 3000})
	diskmap.SetGrowStep(m, step, now)
	want := map[string]string{}
	next := 0
	fillToGrowth(t, m, want, &next, &opsFS{})
	if !diskmap.Growing(m) {
		t.Fatal("the table does not grow")
	}
	return m, want, next
}

// growSome puts new keys, replaces old ones and deletes some, n writes in
// all, with the table growing.
func growSome(t *testing.T, m *diskmap.Map[string, string], want map[string]string, next *int, n int) {
	t.Helper()
	for i := range n {
		var err error
		switch k := growKey(i * 7 % *next); i % 4 {
		case 0, 1:
			k = growKey(*next)
			*next++
			want[k] = k
			err = m.Put(k, k)
		case 2:
			want[k] = "replaced " + k
			err = m.Put(k, want[k])
		case 3:
			delete(want, k)
			_, err = m.Delete(k)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A crash of the process in the middle of a growth loses nothing, in every
// mode: the copy recovers from buckets and buckets.next in DurabilityOS,
// from buckets and the log in the WAL modes, and leaves no buckets.next.
func TestCrashWhileGrowing(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m, want, next := growingMap(t, dir, opts.Durability, 1, false)
		for round := range 3 {
			growSome(t, m, want, &next, 50)
			if !diskmap.Growing(m) {
				t.Fatalf("round %d: the growth is over already", round)
			}
			crashed := filepath.Join(t.TempDir(), "crashed")
			maptest.CrashCopy(t, dir, crashed)
			c := maptest.Open[string, string](t, crashed, &diskmap.Options{Durability: opts.Durability})
			if err := c.Check(); err != nil {
				t.Fatalf("round %d: Check after the crash: %v", round, err)
			}
			maptest.RequireContents[string, string](t, c, want)
			if _, err := os.Stat(filepath.Join(crashed, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("round %d: buckets.next after recovery: %v", round, err)
			}
			maptest.CloseChecked(t, c)
		}
	})
}

// Check reads both tables while one grows: a damaged slot of the new
// table, and in DurabilityOS a moved slot of the old one that no longer
// holds its key as the new table does, are reported, naming the file.
func TestCheckWhileGrowing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, want, next := growingMap(t, dir, diskmap.DurabilityOS, 1, false)
	growSome(t, m, want, &next, 20)
	if err := m.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	next0 := tableSlots(t, dir, "buckets.next")
	old := tableSlots(t, dir, "buckets")
	// A slot of the new table pointing at a record of another key.
	i := occupiedSlot(t, next0, 0)
	j := occupiedSlot(t, next0, i+1)
	poke(t, dir, "buckets.next", i, next0[j][4:8])
	err := m.Check()
	if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "buckets.next") {
		t.Fatalf("Check with a damaged slot in buckets.next: %v", err)
	}
	poke(t, dir, "buckets.next", i, next0[i][4:8])
	// A moved slot of the old table with another value than the new one's.
	for k := range old {
		s := old[k]
		if layout.ReadSlot(s[:]).Occupied() && movedInto(next0, s) {
			bad := s
			bad[12]++ // the value length
			poke(t, dir, "buckets", k, bad[8:16])
			err := m.Check()
			if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "buckets") {
				t.Fatalf("Check with a moved slot of the old table out of step: %v", err)
			}
			poke(t, dir, "buckets", k, s[8:16])
			break
		}
	}
	if err := m.Check(); err != nil {
		t.Fatalf("Check once undamaged: %v", err)
	}
}

// readSlots returns the slots of the table file name in dir.
func tableSlots(t *testing.T, dir, name string) [][16]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	slots := make([][16]byte, (len(b)-layout.MetaSize)/layout.SlotSize)
	for i := range slots {
		copy(slots[i][:], b[layout.MetaSize+i*layout.SlotSize:])
	}
	return slots
}

// occupiedSlot returns the first occupied slot from i on.
func occupiedSlot(t *testing.T, slots [][16]byte, i int) int {
	t.Helper()
	for ; i < len(slots); i++ {
		if layout.ReadSlot(slots[i][:]).Occupied() {
			return i
		}
	}
	t.Fatal("no occupied slot")
	return 0
}

// movedInto reports whether a slot of next points at the key record s
// points at.
func movedInto(next [][16]byte, s [16]byte) bool {
	for _, n := range next {
		if n == s {
			return true
		}
	}
	return false
}

// poke writes b at slot i of the table file name in dir, through the file:
// the map's shared mapping sees it.
func poke(t *testing.T, dir, name string, i int, b []byte) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	off := int64(layout.MetaSize + i*layout.SlotSize)
	if len(b) == 4 {
		off += 4 // the key field
	} else {
		off += 8 // the value fields
	}
	_, err = f.WriteAt(b, off)
	if err = errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}
}

// Compact abandons a growth: the compacted table holds every key, and
// buckets.next is gone.
func TestCompactWhileGrowing(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m, want, next := growingMap(t, dir, opts.Durability, 1, false)
		growSome(t, m, want, &next, 30)
		if err := m.Compact(); err != nil {
			t.Fatal(err)
		}
		if diskmap.Growing(m) {
			t.Fatal("still growing after Compact")
		}
		if _, err := os.Stat(filepath.Join(dir, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("buckets.next after Compact: %v", err)
		}
		maptest.RequireContents[string, string](t, m, want)
		growSome(t, m, want, &next, 30)
		maptest.RequireContents[string, string](t, m, want)
	})
}

// A checkpoint ends a growth in the WAL modes: it writes the new table
// into buckets.next, renames it over buckets, and leaves the spare the
// size of the new table.
func TestCheckpointWhileGrowing(t *testing.T) {
	t.Parallel()
	for _, d := range []diskmap.Durability{diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			m, want, next := growingMap(t, dir, d, 1, false)
			growSome(t, m, want, &next, 30)
			if err := m.Checkpoint(); err != nil {
				t.Fatal(err)
			}
			if diskmap.Growing(m) {
				t.Fatal("still growing after Checkpoint")
			}
			if _, err := os.Stat(filepath.Join(dir, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("buckets.next after Checkpoint: %v", err)
			}
			spare, err1 := os.Stat(filepath.Join(dir, "buckets.spare"))
			buckets, err2 := os.Stat(filepath.Join(dir, "buckets"))
			if err := errors.Join(err1, err2); err != nil {
				t.Fatal(err)
			}
			if spare.Size() != buckets.Size() {
				t.Fatalf("after the checkpoint the spare holds %d bytes, the table %d", spare.Size(), buckets.Size())
			}
			maptest.RequireContents[string, string](t, m, want)
			crashed := filepath.Join(t.TempDir(), "crashed")
			maptest.CrashCopy(t, dir, crashed)
			c := maptest.Open[string, string](t, crashed, &diskmap.Options{Durability: d})
			maptest.RequireContents[string, string](t, c, want)
		})
	}
}

// Close ends a growth, so that a map closed cleanly has no buckets.next;
// the map opens with every key, in order.
func TestCloseWhileGrowing(t *testing.T) {
	t.Parallel()
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		m, want, next := growingMap(t, dir, opts.Durability, 1, false)
		growSome(t, m, want, &next, 30)
		maptest.CloseChecked(t, m)
		if _, err := os.Stat(filepath.Join(dir, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("buckets.next after Close: %v", err)
		}
		if h := currentHeader(t, dir); h.Dirty() {
			t.Fatal("Close left the map dirty")
		}
		r := maptest.Open[string, string](t, dir, &diskmap.Options{ReadOnly: true})
		maptest.RequireContents[string, string](t, r, want)
	})
}

// Recovery reads buckets.next only as part of the map it belongs to: not
// logged, of the generation of buckets, with a whole header giving its
// size. Any other is removed, and the map opens with what buckets and the
// log hold.
func TestRecoveryIgnoresForeignNext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, want, next := growingMap(t, dir, diskmap.DurabilityOS, 1, false)
	for i := range 200 { // written in the old table, or mirrored there
		k := growKey(i * 13 % (next - 1))
		want[k] = "replaced " + k
		if err := m.Put(k, want[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Sync(); err != nil {
		t.Fatal(err)
	}
	if !diskmap.Growing(m) {
		t.Fatal("the growth is over already")
	}
	crashed := filepath.Join(t.TempDir(), "crashed")
	maptest.CrashCopy(t, dir, crashed)
	for _, c := range []struct {
		name string
		edit func(b []byte) []byte
	}{
		{"no header", func(b []byte) []byte { clear(b[:layout.MetaSize]); return b }},
		{"another generation", func(b []byte) []byte {
			h, _, err := layout.ReadMeta(b)
			if err != nil {
				t.Fatal(err)
			}
			h.Generation++
			h.Encode(b)
			h.Encode(b[layout.HeaderCopyOffset:])
			return b
		}},
		{"cut short", func(b []byte) []byte { return b[:len(b)-layout.SlotSize] }},
		{"empty", func([]byte) []byte { return nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := maptest.CopyOf(t, crashed)
			maptest.EditFile(t, dir, "buckets.next", c.edit)
			r := maptest.Open[string, string](t, dir, nil)
			if _, err := os.Stat(filepath.Join(dir, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("buckets.next after recovery: %v", err)
			}
			// The old table holds every key it held as last written, and
			// not the one put into the new table as the growth began.
			old := maps.Clone(want)
			delete(old, growKey(next-1))
			maptest.RequireContents[string, string](t, r, old)
		})
	}
}

// A recovery whose replay of the log grows the table finishes the growth
// before Open returns: Open leaves one table, whatever the mode it opens
// the map in. Here the table of the last checkpoint of a map written in
// DurabilityWAL is full, and its log holds a few keys more: the replay
// starts a growth of 65,536 slots, which its few writes leave far from
// done.
func TestRecoveryThatGrowsLeavesOneTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWAL, Capacity: 40000, WALCheckpointBytes: 1 << 30})
	want := map[string]string{}
	put := func(i int) {
		k := growKey(i)
		want[k] = k
		if err := m.Put(k, k); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 49152 { // 0.75 of 65,536 slots
		put(i)
	}
	if err := m.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		put(49152 + i)
	}
	if !diskmap.Growing(m) {
		t.Fatal("the table does not grow")
	}
	for _, d := range maptest.Modes {
		t.Run(d.String(), func(t *testing.T) {
			crashed := filepath.Join(t.TempDir(), "crashed")
			maptest.CrashCopy(t, dir, crashed)
			c := maptest.Open[string, string](t, crashed, &diskmap.Options{Durability: d})
			if diskmap.Growing(c) {
				t.Fatal("the recovered map is growing")
			}
			if _, err := os.Stat(filepath.Join(crashed, "buckets.next")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("buckets.next after recovery: %v", err)
			}
			maptest.RequireContents[string, string](t, c, want)
		})
	}
}
