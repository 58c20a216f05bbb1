package diskmap_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// Updates in place (package layout, Update in place): a key updated again
// and again goes back and forth between two value records. In the WAL
// modes no record below the durable end is written again, and the twins
// start anew at each checkpoint; in DurabilityOS they are retired and
// live on.

// valuesUsed returns the bytes of records in the values arena, live and
// dead: how far it has been written.
func valuesUsed[K, V any](m *diskmap.Map[K, V]) int64 {
	s := m.Stats().Values
	return s.Live + s.Dead
}

// settle moves the durable end to the end of the arenas: Sync in
// DurabilityOS, Checkpoint in the WAL modes (where Sync only syncs the log).
func settle[K, V any](t *testing.T, m *diskmap.Map[K, V], d diskmap.Durability) {
	t.Helper()
	err := m.Sync()
	if err == nil && d != diskmap.DurabilityOS {
		err = m.Checkpoint()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// scaled returns n, or a quarter of it with DurabilityWALSync, where each
// write waits for an fsync.
func scaled(n int, d diskmap.Durability) int {
	if d == diskmap.DurabilityWALSync {
		return n / 4
	}
	return n
}

// Counters upserted through the entry API, and a key put again and again,
// leave at most two value records a key between two syncs, however many
// times they are written; in DurabilityOS, two records a key in all,
// across the syncs.
func TestUpdateInPlaceBoundsDeadBytes(t *testing.T) {
	const keys = 100
	const hot = uint64(keys) // a key put again and again, beside the counters
	rec := layout.RecordSize(8)
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		d := opts.Durability
		opts.WALCheckpointBytes = 1 << 30
		m := maptest.Open[uint64, uint64](t, t.TempDir(), opts)
		r := rand.New(rand.NewPCG(1, uint64(d)))
		want := map[uint64]uint64{}
		updates, puts := scaled(4000, d), scaled(1000, d)
		start := valuesUsed(m)
		for round := range 3 {
			before := valuesUsed(m)
			for range updates {
				k := r.Uint64N(keys)
				if _, err := m.Entry(k).AndModify(func(v *uint64) { *v++ }).OrInsert(1); err != nil {
					t.Fatal(err)
				}
				want[k]++
			}
			for i := range puts {
				if err := m.Put(hot, uint64(i)); err != nil {
					t.Fatal(err)
				}
			}
			want[hot] = uint64(puts - 1)
			if grew, limit := valuesUsed(m)-before, 2*(keys+1)*rec; grew > limit {
				t.Fatalf("round %d: %d updates of %d keys grew the values arena by %d bytes, want at most %d (two records a key)",
					round, updates+puts, keys+1, grew, limit)
			}
			settle(t, m, d)
		}
		if grew, limit := valuesUsed(m)-start, 2*(keys+1)*rec; d == diskmap.DurabilityOS && grew > limit {
			t.Fatalf("3 rounds of updates of %d keys, a Sync after each, grew the values arena by %d bytes, want at most %d (two records a key)",
				keys+1, grew, limit)
		}
		for k, v := range want {
			if got, ok, err := m.Get(k); err != nil || !ok || got != v {
				t.Fatalf("Get(%d) = %d, %v, %v; want %d", k, got, ok, err, v)
			}
		}
	})
}

// inPlaceMix writes n random mutations to m and the model: mostly values
// of one length a key for eight hot keys, then values of any length, deletes
// and batches over 40 more. It returns the bytes of the value records the
// mutations wrote.
func inPlaceMix(t *testing.T, m *diskmap.Map[string, []byte], r *rand.Rand, n int, model map[string][]byte) int64 {
	t.Helper()
	var wrote int64
	put := func(k string, size int) {
		v := fmt.Appendf(nil, "%s=%d:", k, r.Uint32())
		v = append(v, bytes.Repeat([]byte{'v'}, max(0, size-len(v)))...)
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
		model[k] = v
		wrote += layout.RecordSize(len(v))
	}
	for range n {
		switch x := r.IntN(100); {
		case x < 70:
			h := r.IntN(8)
			put(fmt.Sprintf("hot%d", h), 20+h*h*60) // up to 3 KiB: some records straddle pages
		case x < 85:
			put(fmt.Sprintf("cold%d", r.IntN(40)), r.IntN(200))
		case x < 95:
			k := fmt.Sprintf("cold%d", r.IntN(40))
			if _, err := m.Delete(k); err != nil {
				t.Fatal(err)
			}
			delete(model, k)
		default:
			err := m.Batch(func(b *diskmap.Batch[string, []byte]) error {
				for range 3 {
					k := fmt.Sprintf("hot%d", r.IntN(8))
					v := bytes.Clone(model[k])
					if len(v) == 0 {
						continue
					}
					v[len(v)-1]++
					if err := b.Put(k, v); err != nil {
						return err
					}
					model[k] = v
					wrote += layout.RecordSize(len(v))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return wrote
}

// In the WAL modes a value record made durable by a checkpoint is never
// written again: the bytes of the values file below the end that it
// recorded stay as they were while keys are updated in place, given values
// of other sizes, deleted and put again, alone and in batches.
func TestUpdateInPlaceLeavesDurableRecords(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		d := opts.Durability
		if d == diskmap.DurabilityOS {
			t.Skip("in DurabilityOS the twins are retired instead (TestUpdateInPlaceRetiresTwins)")
		}
		opts.WALCheckpointBytes = 1 << 30
		dir := t.TempDir()
		m := maptest.Open[string, []byte](t, dir, opts)
		r := rand.New(rand.NewPCG(2, uint64(d)))
		model := map[string][]byte{}
		inPlaceMix(t, m, r, scaled(400, d), model)
		for round := range 3 {
			settle(t, m, d)
			end := layout.ArenaHeaderSize + valuesUsed(m)
			before := readPrefix(t, filepath.Join(dir, "values"), end)
			used := valuesUsed(m)
			wrote := inPlaceMix(t, m, r, scaled(2000, d), model)
			after := readPrefix(t, filepath.Join(dir, "values"), end)
			if i := firstDiff(before, after); i >= 0 {
				t.Fatalf("round %d: byte %d of values, below the durable end %d, changed", round, i, end)
			}
			if grew := valuesUsed(m) - used; grew >= wrote {
				t.Fatalf("round %d: the values arena grew by %d bytes for %d bytes of records written: nothing was written in place",
					round, grew, wrote)
			}
		}
		maptest.RequireBytes(t, m, model)
	})
}

func readPrefix(t *testing.T, path string, n int64) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) < n {
		t.Fatalf("%s has %d bytes, fewer than the %d in use", path, len(b), n)
	}
	return b[:n]
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// A process killed while an update writes over a key's twin leaves the
// twin torn, between whole records: its payload new, its header old. The
// map must come back with every acknowledged value, the key being updated
// with the value it had or, in the WAL modes, whose log holds the update,
// the new one; nothing after the torn record may be cut.
func TestUpdateInPlaceKilledHalfway(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		d := opts.Durability
		opts.WALCheckpointBytes = 1 << 30
		dir := t.TempDir()
		m := maptest.Open[string, []byte](t, dir, opts)
		model := map[string][]byte{}
		var images []killImage
		rewrites := 0
		var inFlight string
		var inFlightVal []byte
		diskmap.SetFailpoint(m, func(name string) error {
			if name != "value-rewrite" {
				return nil
			}
			if rewrites++; rewrites%7 == 1 && len(images) < 6 {
				img := killImage{dir: filepath.Join(t.TempDir(), "image"), model: cloneModel(model), key: inFlight, val: inFlightVal}
				maptest.CrashCopy(t, dir, img.dir)
				images = append(images, img)
			}
			return nil
		})
		for i := range scaled(400, d) {
			k := fmt.Sprintf("hot%d", i%5)
			if i%3 == 0 {
				k = fmt.Sprintf("new%d", i) // records after the twins
			}
			v := []byte(fmt.Sprintf("%s is %08d %s", k, i, strings.Repeat("x", 40)))
			inFlight, inFlightVal = k, v
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
			model[k] = v
			if i%100 == 99 {
				settle(t, m, d)
			}
		}
		if len(images) == 0 {
			t.Fatal("no update was written in place")
		}
		for i, img := range images {
			img.verify(t, i, d)
		}
	})
}

// killImage is a copy of a map's files taken in the middle of an update
// in place of key to val, with what the map held before it.
type killImage struct {
	dir   string
	model map[string][]byte
	key   string
	val   []byte
}

func (img killImage) verify(t *testing.T, i int, d diskmap.Durability) {
	t.Helper()
	m, err := diskmap.Open[string, []byte](img.dir, &diskmap.Options{Durability: d})
	if err != nil {
		t.Fatalf("image %d: Open: %v", i, err)
	}
	defer maptest.CloseChecked(t, m)
	if err := m.Check(); err != nil {
		t.Fatalf("image %d: Check: %v", i, err)
	}
	want := img.model
	if got, _, _ := m.Get(img.key); d != diskmap.DurabilityOS && bytes.Equal(got, img.val) {
		want = cloneModel(want) // the log holds the update: replayed
		want[img.key] = img.val
	}
	if m.Len() != len(want) {
		t.Errorf("image %d, killed updating %s: Len = %d, want %d", i, img.key, m.Len(), len(want))
	}
	for k, v := range want {
		if got, ok, err := m.Get(k); err != nil || !ok || !bytes.Equal(got, v) {
			t.Fatalf("image %d, killed updating %s: Get(%s) = %q, %v, %v; want %q", i, img.key, k, got, ok, err, v)
		}
	}
}

func cloneModel(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// A twin belongs to its key: a key put into the slot of a deleted one,
// which had a twin, does not get it, and its first update is appended.
func TestUpdateInPlaceTwinBelongsToItsKey(t *testing.T) {
	m := maptest.Open[string, uint64](t, t.TempDir(), nil)
	diskmap.SetHashBits(m, 0, ^uint64(0)) // one home: the new key takes the deleted one's slot
	for i := range 3 {                    // the second put gives "old" its twin, the third uses it
		if err := m.Put("old", uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Delete("old"); err != nil {
		t.Fatal(err)
	}
	if err := m.Put("new", 1); err != nil {
		t.Fatal(err)
	}
	if s := m.Stats(); s.Tombstones != 0 {
		t.Fatalf("the new key did not take the deleted one's slot: %d tombstones", s.Tombstones)
	}
	before := valuesUsed(m)
	if err := m.Put("new", 2); err != nil {
		t.Fatal(err)
	}
	if grew := valuesUsed(m) - before; grew != layout.RecordSize(8) {
		t.Fatalf("the new key's first update grew the values arena by %d bytes, want one record (%d): it wrote over another key's record",
			grew, layout.RecordSize(8))
	}
	if v, ok, err := m.Get("new"); err != nil || !ok || v != 2 {
		t.Fatalf("Get(new) = %d, %v, %v", v, ok, err)
	}
}

// Twins are forgotten whenever the files or the slots change under them:
// at an automatic compaction, which writes new arenas and a new table, and
// when the table grows, which moves keys to other slots. A twin remembered
// from before would send a later update over another key's record, or
// over a live one.
func TestUpdateInPlaceForgetsTwinsAtCompactionAndGrowth(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		opts.CompactAt, opts.CompactMinBytes, opts.Capacity = 0.3, 8<<10, 16
		m := maptest.Open[string, []byte](t, t.TempDir(), opts)
		r := rand.New(rand.NewPCG(3, uint64(opts.Durability)))
		model := map[string][]byte{}
		put := func(k string, n int) {
			v := fmt.Appendf(nil, "%s %d ", k, r.Uint32())
			v = append(v, bytes.Repeat([]byte{'.'}, max(0, n-len(v)))...)[:max(n, len(v))]
			if err := m.Put(k, v); err != nil {
				t.Fatal(err)
			}
			model[k] = v
		}
		rounds := scaled(300, opts.Durability)
		for round := range rounds {
			for h := range 4 {
				for range 3 { // the third is written over the twin the second left
					put(fmt.Sprintf("hot%d", h), 40)
				}
			}
			for range 2 { // the table grows; a slot's twin from before would be taken here
				put(fmt.Sprintf("new%d", round), 30)
			}
			put(fmt.Sprintf("cold%d", round%5), 100+r.IntN(100)) // dead bytes: compactions
		}
		s := m.Stats()
		if s.AutoCompactions == 0 || s.Resizes == 0 {
			t.Fatalf("%d automatic compactions, %d table growths: too few to test", s.AutoCompactions, s.Resizes)
		}
		maptest.RequireBytes(t, m, model)
	})
}

// In DurabilityOS a table that grows leaves the twins as they are:
// counters updated again and again while the table grows, a slot moved at
// each write, and a Sync now and then, stay within their two records each,
// and the only growth of the values arena is the new keys' records. (In
// the WAL modes a growth ends with a checkpoint, which forgets them.)
func TestUpdateInPlaceAcrossGrowth(t *testing.T) {
	const counters = 50
	t.Run("DurabilityOS", func(t *testing.T) {
		m := maptest.Open[uint64, uint64](t, t.TempDir(), &diskmap.Options{Capacity: 16})
		diskmap.SetGrowStep(m, 1, false)
		want := map[uint64]uint64{}
		bump := func() {
			for k := range uint64(counters) {
				if _, err := m.Entry(k).AndModify(func(v *uint64) { *v++ }).OrInsert(1); err != nil {
					t.Fatal(err)
				}
				want[k]++
			}
		}
		bump()
		bump() // each counter has its twin now
		start, grew := valuesUsed(m), false
		next := uint64(1 << 20)
		for round := range 40 {
			for range 20 {
				if err := m.Put(next, next); err != nil {
					t.Fatal(err)
				}
				want[next] = next
				next++
				grew = grew || diskmap.Growing(m)
				bump()
			}
			if round%10 == 9 {
				if err := m.Sync(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !grew {
			t.Fatal("the table never grew while the counters were updated")
		}
		added := int64(len(want)-counters) * layout.RecordSize(8)
		if got, most := valuesUsed(m)-start, added+2*counters*layout.RecordSize(8); got > most {
			t.Fatalf("the values arena grew by %d bytes, want at most %d: the new keys' records (%d) and two records a counter", got, most, added)
		}
		for k, v := range want {
			if got, ok, err := m.Get(k); err != nil || !ok || got != v {
				t.Fatalf("Get(%d) = %d, %v, %v; want %d", k, got, ok, err, v)
			}
		}
		if err := m.Check(); err != nil {
			t.Fatal(err)
		}
	})
}

// In DurabilityOS the twins are retired and outlive a Sync: the values
// file a Sync leaves holds no whole record at a twin, so no older value of
// a key than its synced one, while keys are updated in place, given values
// of other sizes, deleted and put again, alone and in batches. The map
// passes Check then, and after a reopen.
func TestUpdateInPlaceRetiresTwins(t *testing.T) {
	dir := t.TempDir()
	opts := &diskmap.Options{Durability: diskmap.DurabilityOS}
	m := maptest.Open[string, []byte](t, dir, opts)
	r := rand.New(rand.NewPCG(3, 0))
	model := map[string][]byte{}
	inPlaceMix(t, m, r, 400, model)
	retired := 0
	for round := range 20 {
		if err := m.Sync(); err != nil {
			t.Fatal(err)
		}
		end := layout.ArenaHeaderSize + valuesUsed(m)
		b := readPrefix(t, filepath.Join(dir, "values"), end)
		for _, off := range diskmap.TwinOffsets(m) {
			if _, err := layout.CheckRecord(b, off, end); err == nil {
				t.Fatalf("round %d: the twin at offset %d of values is a whole record after Sync", round, off)
			}
			retired++
		}
		if err := m.Check(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		inPlaceMix(t, m, r, 500, model)
	}
	if retired == 0 {
		t.Fatal("no twin outlived a Sync")
	}
	maptest.RequireBytes(t, m, model)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.Open[string, []byte](t, dir, opts)
	if err := m.Check(); err != nil {
		t.Fatalf("after a reopen: %v", err)
	}
	maptest.RequireBytes(t, m, model)
}

// Stats counts a twin as dead, and as Reusable: in the WAL modes until the
// next checkpoint leaves it dead for good, in DurabilityOS across it; a
// key updated again and again with values of one length holds one live
// record and one twin.
func TestUpdateInPlaceStats(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, uint64](t, t.TempDir(), opts)
		rec := layout.RecordSize(8)
		for i := range 10 {
			if err := m.Put("hot", uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
		if s := m.Stats().Values; s.Live != rec || s.Dead != rec || s.Reusable != rec {
			t.Fatalf("after 10 updates of one key: %+v, want one record live, one dead, reusable", s)
		}
		if _, err := m.Delete("hot"); err != nil {
			t.Fatal(err)
		}
		if s := m.Stats().Values; s.Live != 0 || s.Dead != 2*rec || s.Reusable != 0 {
			t.Fatalf("after the key was deleted: %+v, want two records dead, none reusable", s)
		}
		for i := range 3 {
			if err := m.Put("hot", uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Checkpoint(); err != nil {
			t.Fatal(err)
		}
		reusable := int64(0)
		if opts.Durability == diskmap.DurabilityOS {
			reusable = rec
		}
		if s := m.Stats().Values; s.Live != rec || s.Dead != 3*rec || s.Reusable != reusable {
			t.Fatalf("after a checkpoint: %+v, want one record live, three dead, %d bytes reusable", s, reusable)
		}
	})
}

// A key that takes a value of another length loses its twin, and Stats no
// longer counts the twin's bytes as Reusable; a delete then leaves none.
func TestUpdateOtherLengthStats(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		m := maptest.Open[string, string](t, t.TempDir(), opts)
		short, long := strings.Repeat("s", 4), strings.Repeat("l", 40)
		for _, v := range []string{short, short, short} {
			if err := m.Put("k", v); err != nil {
				t.Fatal(err)
			}
		}
		if s := m.Stats().Values; s.Reusable != layout.RecordSize(len(short)) {
			t.Fatalf("after 3 updates of one length: %+v, want its twin reusable", s)
		}
		for _, v := range []string{long, long} {
			if err := m.Put("k", v); err != nil {
				t.Fatal(err)
			}
		}
		if s := m.Stats().Values; s.Reusable != layout.RecordSize(len(long)) {
			t.Fatalf("after 2 updates of another length: %+v, want only the new twin reusable", s)
		}
		if err := m.Put("k", short); err != nil {
			t.Fatal(err)
		}
		if s := m.Stats().Values; s.Reusable != 0 {
			t.Fatalf("after an update back to the first length: %+v, want nothing reusable", s)
		}
		if _, err := m.Delete("k"); err != nil {
			t.Fatal(err)
		}
		if s := m.Stats().Values; s.Live != 0 || s.Reusable != 0 {
			t.Fatalf("after the key was deleted: %+v, want nothing live or reusable", s)
		}
	})
}

// A key that expires is updated in place too, by PutTTL with a value of
// its length: the twin holds an expiry as the record it replaces does, and
// the expiry the key keeps is the last one put. A plain Put of the same
// value length is appended, since its record has no expiry: the slot's
// value-length field differs.
func TestUpdateInPlaceExpiring(t *testing.T) {
	clock := maptest.NewClock()
	m := maptest.Open[string, uint64](t, t.TempDir(), maptest.WithClock(nil, clock))
	rec := layout.ExpiringRecordSize(8)
	for i := range 2 { // the second put gives "k" its twin
		if err := m.PutTTL("k", uint64(i), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	before := valuesUsed(m)
	for i := range 10 {
		if err := m.PutTTL("k", uint64(10+i), time.Duration(i+1)*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if grew := valuesUsed(m) - before; grew != 0 {
		t.Fatalf("ten PutTTLs of a value of the same length grew the values arena by %d bytes, want 0 (in place)", grew)
	}
	if ttl, ok, err := m.TTL("k"); err != nil || !ok || ttl != 10*time.Minute {
		t.Fatalf("TTL(k) = %v, %v, %v; want the last one put, 10m", ttl, ok, err)
	}
	if err := m.Put("k", 99); err != nil {
		t.Fatal(err)
	}
	if grew := valuesUsed(m) - before; grew != layout.RecordSize(8) {
		t.Fatalf("a Put without expiry after PutTTLs grew the values arena by %d bytes, want one plain record (%d), not a write over an expiring twin (%d)",
			grew, layout.RecordSize(8), rec)
	}
	if ttl, ok, err := m.TTL("k"); err != nil || !ok || ttl != 0 {
		t.Fatalf("TTL(k) after Put = %v, %v, %v; want 0, true: no expiry", ttl, ok, err)
	}
	clock.Advance(2 * time.Hour)
	if v, ok, err := m.Get("k"); err != nil || !ok || v != 99 {
		t.Fatalf("Get(k) = %d, %v, %v; want 99, which never expires", v, ok, err)
	}
}

// A power loss right after an update over a twin that outlived a Sync may
// leave the slot pointing at the twin and the twin's page as the Sync left
// it. Retired, the twin is no record: recovery drops the key, as it may
// drop a key written since the last Sync, and never brings back the value
// the key had before its synced one.
func TestPowerLossOverRetiredTwin(t *testing.T) {
	dir := t.TempDir()
	opts := &diskmap.Options{Durability: diskmap.DurabilityOS}
	m := maptest.Open[string, string](t, dir, opts)
	for _, kv := range [][2]string{{"k", "older!"}, {"k", "synced"}, {"other", "kept"}} {
		if err := m.Put(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Sync(); err != nil { // "older!" is the twin of k now
		t.Fatal(err)
	}
	values := filepath.Join(dir, "values")
	synced, err := os.ReadFile(values)
	if err != nil {
		t.Fatal(err)
	}
	used := valuesUsed(m)
	if err := m.Put("k", "newer!"); err != nil {
		t.Fatal(err)
	}
	if valuesUsed(m) != used {
		t.Fatal(`the Put of "newer!" was appended, not written over the twin`)
	}
	image := t.TempDir()
	for _, name := range []string{"buckets", "keys", "values"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "values" {
			b = synced // the twin's page never reached the disk; the table's did
		}
		if err := os.WriteFile(filepath.Join(image, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := maptest.Open[string, string](t, image, opts)
	if v, ok, err := r.Get("k"); err != nil || ok && v != "synced" && v != "newer!" {
		t.Fatalf(`Get(k) after the power loss = %q, %v, %v; want "synced", "newer!" or absent, never "older!"`, v, ok, err)
	}
	if v, ok, err := r.Get("other"); err != nil || !ok || v != "kept" {
		t.Fatalf("Get(other) after the power loss = %q, %v, %v; want kept", v, ok, err)
	}
	if err := r.Check(); err != nil {
		t.Fatal(err)
	}
}
