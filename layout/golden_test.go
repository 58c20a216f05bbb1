package layout_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

var updateGolden = flag.Bool("update-golden", false, "write the golden maps of the current format version, testdata/golden-v<Version> and golden-v<Version>-wal")

// The golden maps in testdata: a map closed cleanly and a map left dirty
// by a crash, with frames in its log past its last checkpoint, for each
// format version. Every later version must open them and read the same
// contents. golden-v1 and golden-v1-wal were written by format version 1.
const (
	goldenClean = "testdata/golden-v%d"
	goldenWAL   = "testdata/golden-v%d-wal"
)

// goldenContents is what the clean golden maps hold: keys k000..k099 with
// values v<i>, of which every third was replaced by u<i> and every seventh
// deleted.
func goldenContents() (keys []string, want map[string]string) {
	want = map[string]string{}
	for i := range 100 {
		k := fmt.Sprintf("k%03d", i)
		switch {
		case i%7 == 0:
			continue
		case i%3 == 0:
			want[k] = fmt.Sprintf("u%d", i)
		default:
			want[k] = fmt.Sprintf("v%d", i)
		}
		keys = append(keys, k)
	}
	return keys, want
}

// walContents is what the dirty golden maps hold once recovered: keys
// w000..w099 put as a<i>, every fourth replaced by b<i>, then a checkpoint;
// then, only in the log, w100..w119 put as c<i>, every third of w000..w119
// replaced by d<i>, every fourth deleted, and a batch that puts x0..x4 as
// e<i> and deletes w001.
func walContents() (keys []string, want map[string]string) {
	want = map[string]string{}
	for i := range 120 {
		k := fmt.Sprintf("w%03d", i)
		switch {
		case i%4 == 0 || i == 1:
			continue
		case i%3 == 0:
			want[k] = fmt.Sprintf("d%d", i)
		case i >= 100:
			want[k] = fmt.Sprintf("c%d", i)
		default:
			want[k] = fmt.Sprintf("a%d", i)
		}
		keys = append(keys, k)
	}
	for i := range 5 {
		k := fmt.Sprintf("x%d", i)
		want[k] = fmt.Sprintf("e%d", i)
		keys = append(keys, k)
	}
	return keys, want
}

func TestWriteGolden(t *testing.T) {
	if !*updateGolden {
		t.Skip("writes the golden maps only with -update-golden")
	}
	writeGolden(t, fmt.Sprintf(goldenClean, layout.Version))
	writeWALGolden(t, fmt.Sprintf(goldenWAL, layout.Version))
	writeTTLGolden(t, fmt.Sprintf(goldenTTL, layout.Version), false)
	writeTTLGolden(t, fmt.Sprintf(goldenTTLWAL, layout.Version), true)
}

func writeGolden(t *testing.T, dir string) {
	must(t, os.RemoveAll(dir))
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{Capacity: 100, KeyBytes: 4096, ValueBytes: 4096})
	must(t, err)
	for i := range 100 {
		must(t, m.Put(fmt.Sprintf("k%03d", i), fmt.Sprintf("v%d", i)))
	}
	for i := 0; i < 100; i += 3 {
		must(t, m.Put(fmt.Sprintf("k%03d", i), fmt.Sprintf("u%d", i)))
	}
	for i := 0; i < 100; i += 7 {
		if _, err := m.Delete(fmt.Sprintf("k%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	must(t, m.Close())
	must(t, os.Remove(filepath.Join(dir, "lock")))
	if err := os.Remove(filepath.Join(dir, "wal")); !errors.Is(err, os.ErrNotExist) {
		must(t, err)
	}
}

// writeWALGolden writes the map walContents describes and copies its files
// into dir while it is open: what a crash of the process leaves.
func writeWALGolden(t *testing.T, dir string) {
	live := t.TempDir()
	m, err := diskmap.Open[string, string](live, &diskmap.Options{Durability: diskmap.DurabilityWAL,
		Capacity: 100, KeyBytes: 4096, ValueBytes: 4096, WALCheckpointBytes: 1 << 30})
	must(t, err)
	defer func() { must(t, m.Close()) }()
	key := func(i int) string { return fmt.Sprintf("w%03d", i) }
	for i := range 100 {
		must(t, m.Put(key(i), fmt.Sprintf("a%d", i)))
	}
	for i := 0; i < 100; i += 4 {
		must(t, m.Put(key(i), fmt.Sprintf("b%d", i)))
	}
	must(t, m.Checkpoint())
	for i := 100; i < 120; i++ {
		must(t, m.Put(key(i), fmt.Sprintf("c%d", i)))
	}
	for i := 0; i < 120; i += 3 {
		must(t, m.Put(key(i), fmt.Sprintf("d%d", i)))
	}
	for i := 0; i < 120; i += 4 {
		_, err := m.Delete(key(i))
		must(t, err)
	}
	must(t, m.Batch(func(b *diskmap.Batch[string, string]) error {
		for i := range 5 {
			if err := b.Put(fmt.Sprintf("x%d", i), fmt.Sprintf("e%d", i)); err != nil {
				return err
			}
		}
		_, err := b.Delete(key(1))
		return err
	}))
	must(t, os.RemoveAll(dir))
	must(t, os.MkdirAll(dir, 0o755))
	for _, name := range maptest.MapFiles {
		b, err := os.ReadFile(filepath.Join(live, name))
		must(t, err)
		if name == "wal" {
			// Drop the zeros past the last frame: every payload ends in a
			// non-zero byte, so the frames end at the next multiple of 8.
			n := len(bytes.TrimRight(b, "\x00"))
			b = b[:(n+7)&^7]
		}
		must(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
}

// copyGolden copies the golden map in dir (a pattern taking the version)
// of format version v to a new directory and returns it.
func copyGolden(t *testing.T, dir string, v int) string {
	t.Helper()
	return maptest.CopyOf(t, fmt.Sprintf(dir, v))
}

// header returns the header a reader of dir's buckets file would use.
func header(t *testing.T, dir string) layout.Header {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "buckets"))
	must(t, err)
	h, _, err := layout.ReadMeta(b)
	must(t, err)
	return h
}

// requireGolden checks that m holds want, in the order of keys.
func requireGolden(t *testing.T, m *diskmap.Map[string, string], keys []string, want map[string]string) {
	t.Helper()
	must(t, m.Check())
	if m.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(want))
	}
	i := 0
	for k, v := range m.All() {
		if i >= len(keys) || k != keys[i] || v != want[k] {
			t.Fatalf("entry %d: %q=%q, want %q=%q", i, k, v, keys[i], want[keys[i]])
		}
		i++
	}
	must(t, m.Err())
}

// Every format version's clean golden map opens and reads the same.
func TestGoldenOpens(t *testing.T) {
	for v := uint32(layout.MinVersion); v <= layout.Version; v++ {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			dir := copyGolden(t, goldenClean, int(v))
			if h := header(t, dir); h.Version != v {
				t.Fatalf("golden map of version %d has a header of version %d", v, h.Version)
			}
			m, err := diskmap.Open[string, string](dir, nil)
			must(t, err)
			defer func() { must(t, m.Close()) }()
			order, want := goldenContents()
			requireGolden(t, m, order, want)
			if st := m.Stats(); st.Tombstones == 0 || st.Values.Dead == 0 {
				t.Fatalf("golden map should keep tombstones and dead values: %+v", st)
			}
		})
	}
}

// Every format version's dirty golden map is recovered, its log replayed
// by the rule of its version, in each mode; read-only, it is refused until
// then.
func TestGoldenWALRecovers(t *testing.T) {
	for v := uint32(layout.MinVersion); v <= layout.Version; v++ {
		for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
			t.Run(fmt.Sprintf("v%d/%v", v, d), func(t *testing.T) {
				dir := copyGolden(t, goldenWAL, int(v))
				h := header(t, dir)
				if h.Version != v || !h.Dirty() || h.Flags&layout.FlagWAL == 0 || h.Count != 100 {
					t.Fatalf("golden map of version %d: header %+v, want one of its version, dirty, logged, at the checkpoint of 100 keys", v, h)
				}
				_, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
				if !errors.Is(err, diskmap.ErrReadOnly) {
					t.Fatalf("read-only Open of the dirty golden map = %v, want ErrReadOnly", err)
				}
				m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d})
				must(t, err)
				order, want := walContents()
				requireGolden(t, m, order, want)
				must(t, m.Close())
				m, err = diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
				must(t, err)
				requireGolden(t, m, order, want)
				must(t, m.Close())
			})
		}
	}
}

// A map of an older format version stays of its version until this
// version first writes its header, which it does with the first write, or
// when it recovers the map: from then on the map is of the current
// version, which the older code refuses.
func TestOlderVersionsBecomeCurrent(t *testing.T) {
	for v := uint32(layout.MinVersion); v < layout.Version; v++ {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			dir := copyGolden(t, goldenClean, int(v))
			m, err := diskmap.Open[string, string](dir, nil)
			must(t, err)
			must(t, m.Close())
			if got := header(t, dir).Version; got != v {
				t.Fatalf("after an Open and Close without writes: version %d, want %d", got, v)
			}
			m, err = diskmap.Open[string, string](dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
			must(t, err)
			must(t, m.Put("new", "key"))
			if got := header(t, dir).Version; got != layout.Version {
				t.Fatalf("after the first write: version %d, want %d", got, layout.Version)
			}
			must(t, m.Close())
			if h := header(t, dir); h.Version != layout.Version || h.Dirty() {
				t.Fatalf("after Close: %+v, want a clean header of version %d", h, layout.Version)
			}

			dir = copyGolden(t, goldenWAL, int(v))
			m, err = diskmap.Open[string, string](dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
			must(t, err)
			defer func() { must(t, m.Close()) }()
			if got := header(t, dir).Version; got != layout.Version {
				t.Fatalf("after recovery: version %d, want %d", got, layout.Version)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "wal")); err != nil || len(b) != 0 {
				t.Fatalf("after recovery the log of format version %d holds %d bytes, %v; want none", v, len(b), err)
			}
		})
	}
}

// A map of an older format version takes updates in place in every mode:
// its first write makes it of the current version before anything is
// written over (the first update of a key appends), its keys read as
// before, each key updated again and again with values of one length
// leaves at most two records, with a Sync now and then (which in
// DurabilityOS retires the twins), and it passes Check, open and after a
// reopen.
func TestOlderVersionsTakeUpdatesInPlace(t *testing.T) {
	for v := uint32(layout.MinVersion); v < layout.Version; v++ {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
				dir := copyGolden(t, goldenClean, int(v))
				m, err := diskmap.Open[string, string](dir, opts)
				must(t, err)
				defer func() { must(t, m.Close()) }()
				order, want := goldenContents()
				requireGolden(t, m, order, want)
				used := func() int64 { s := m.Stats().Values; return s.Live + s.Dead }
				before := used()
				for round := range 20 {
					for _, k := range order {
						want[k] = strings.Repeat(string(rune('a'+round)), len(want[k]))
						must(t, m.Put(k, want[k]))
						if got := header(t, dir).Version; got != layout.Version {
							t.Fatalf("after a write, before any in place: a header of version %d on disk, want %d", got, layout.Version)
						}
					}
					if opts.Durability == diskmap.DurabilityOS && round%5 == 4 {
						must(t, m.Sync())
						must(t, m.Check())
					}
				}
				// Appended, the updates would have grown it by 20 records a key.
				if grew, most := used()-before, 2*int64(len(order))*layout.RecordSize(4); grew > most {
					t.Fatalf("20 updates of %d keys grew the values arena by %d bytes, want at most %d: two records a key", len(order), grew, most)
				}
				requireGolden(t, m, order, want)
				must(t, m.Check())
				must(t, m.Close())
				if h := header(t, dir); h.Version != layout.Version || h.Dirty() {
					t.Fatalf("after Close: %+v, want a clean header of version %d", h, layout.Version)
				}
				m, err = diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
				must(t, err)
				requireGolden(t, m, order, want)
				must(t, m.Check())
			})
		})
	}
}

// A recovery of an older version's map, whose log holds updates of keys,
// retires no record while its header is still of the old version: the
// map it leaves holds no dead record that is not whole, which older code
// could not walk.
func TestOlderVersionsRecoverRetiringNothing(t *testing.T) {
	for v := uint32(layout.MinVersion); v < layout.Version; v++ {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			dir := copyGolden(t, goldenWAL, int(v))
			m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: diskmap.DurabilityOS})
			must(t, err)
			must(t, m.Close())
			b, err := os.ReadFile(filepath.Join(dir, "values"))
			must(t, err)
			end := int64(header(t, dir).ValuesEnd)
			for off := int64(layout.ArenaHeaderSize); off < end; {
				_, next, notWhole, err := layout.NextRecord(b, off, end, 0)
				must(t, err)
				if notWhole {
					t.Fatalf("the recovered map's values hold a record at offset %d that is not whole", off)
				}
				off = next
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The golden maps with keys that expire, from format version 2 on
// (layout.ExpiryVersion): one closed cleanly, one left dirty with its
// expiring puts in the log past its checkpoint. Both were written with the
// clock at goldenNow.
const (
	goldenTTL    = "testdata/golden-v%d-ttl"
	goldenTTLWAL = "testdata/golden-v%d-ttl-wal"
)

// goldenNow is the time the golden maps with keys that expire were written
// at.
var goldenNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// clockAt returns a clock that stands at t.
func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// ttlGoldenKey is the i-th key of the golden maps with keys that expire.
func ttlGoldenKey(i int) string { return fmt.Sprintf("t%03d", i) }

// ttlContents is what the golden maps with keys that expire hold at
// goldenNow, and the expiry of each key put with a time to live: keys
// t000..t039 put with values v<i>, the even ones to live an hour, every
// fifth of those ten seconds instead; then every third key put again as
// u<i>, without a time to live; and, in a batch, x0..x2 as e<i> to live a
// minute. The map with a log holds it all in the log but for the first
// puts of t000..t019.
func ttlContents() (keys []string, want map[string]string, expiry map[string]time.Time) {
	want, expiry = map[string]string{}, map[string]time.Time{}
	for i := range 40 {
		k := ttlGoldenKey(i)
		keys = append(keys, k)
		switch {
		case i%3 == 0:
			want[k] = fmt.Sprintf("u%d", i)
		case i%10 == 0:
			want[k], expiry[k] = fmt.Sprintf("v%d", i), goldenNow.Add(10*time.Second)
		case i%2 == 0:
			want[k], expiry[k] = fmt.Sprintf("v%d", i), goldenNow.Add(time.Hour)
		default:
			want[k] = fmt.Sprintf("v%d", i)
		}
	}
	for i := range 3 {
		k := fmt.Sprintf("x%d", i)
		keys = append(keys, k)
		want[k], expiry[k] = fmt.Sprintf("e%d", i), goldenNow.Add(time.Minute)
	}
	return keys, want, expiry
}

// writeTTLGolden writes the map ttlContents describes into dir: closed
// cleanly, or with logged, copied while open with the puts after the
// first twenty in the log.
func writeTTLGolden(t *testing.T, dir string, logged bool) {
	live := t.TempDir()
	opts := &diskmap.Options{Capacity: 40, KeyBytes: 4096, ValueBytes: 4096, Clock: clockAt(goldenNow)}
	if logged {
		opts.Durability, opts.WALCheckpointBytes = diskmap.DurabilityWAL, 1<<30
	}
	m, err := diskmap.Open[string, string](live, opts)
	must(t, err)
	for i := range 40 {
		k, v := ttlGoldenKey(i), fmt.Sprintf("v%d", i)
		switch {
		case i%10 == 0:
			must(t, m.PutTTL(k, v, 10*time.Second))
		case i%2 == 0:
			must(t, m.PutTTL(k, v, time.Hour))
		default:
			must(t, m.Put(k, v))
		}
		if i == 19 {
			must(t, m.Checkpoint())
		}
	}
	for i := 0; i < 40; i += 3 {
		must(t, m.Put(ttlGoldenKey(i), fmt.Sprintf("u%d", i)))
	}
	must(t, m.Batch(func(b *diskmap.Batch[string, string]) error {
		for i := range 3 {
			if err := b.PutTTL(fmt.Sprintf("x%d", i), fmt.Sprintf("e%d", i), time.Minute); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, os.RemoveAll(dir))
	must(t, os.MkdirAll(dir, 0o755))
	if !logged {
		must(t, m.Close())
	}
	for _, name := range maptest.MapFiles {
		b, err := os.ReadFile(filepath.Join(live, name))
		if errors.Is(err, os.ErrNotExist) || name == "wal" && !logged {
			continue
		}
		must(t, err)
		if name == "wal" {
			n := len(bytes.TrimRight(b, "\x00")) // see writeWALGolden
			b = b[:(n+7)&^7]
		}
		must(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	if logged {
		must(t, m.Close())
	}
}

// requireTTLGolden checks that m, whose clock stands at now, holds what
// ttlContents says is there at now, with the time each key has left.
func requireTTLGolden(t *testing.T, m *diskmap.Map[string, string], now time.Time) {
	t.Helper()
	keys, want, expiry := ttlContents()
	var live []string
	for _, k := range keys {
		if at, ok := expiry[k]; ok && !now.Before(at) {
			delete(want, k)
			if v, found, err := m.Get(k); found || err != nil {
				t.Fatalf("Get(%q) at %v = %q, %v, %v; it expired at %v", k, now, v, found, err, at)
			}
			continue
		}
		live = append(live, k)
		var left time.Duration
		if at, ok := expiry[k]; ok {
			left = at.Sub(now)
		}
		if d, found, err := m.TTL(k); d != left || !found || err != nil {
			t.Fatalf("TTL(%q) at %v = %v, %v, %v; want %v", k, now, d, found, err, left)
		}
	}
	must(t, m.Check())
	i := 0
	for k, v := range m.All() {
		if i >= len(live) || k != live[i] || v != want[k] {
			t.Fatalf("entry %d: %q=%q, want %q=%q", i, k, v, live[i], want[live[i]])
		}
		i++
	}
	must(t, m.Err())
	if i != len(live) {
		t.Fatalf("All yields %d keys, want %d", i, len(live))
	}
}

// The golden maps with keys that expire open, in each mode, and read the
// same at the time they were written and later, with each key's expiry as
// it was written, through recovery and replay of the log's puts with an
// expiry.
func TestGoldenTTL(t *testing.T) {
	for v := uint32(layout.ExpiryVersion); v <= layout.Version; v++ {
		for _, pattern := range []string{goldenTTL, goldenTTLWAL} {
			for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
				t.Run(fmt.Sprintf(pattern[len("testdata/"):], v)+"/"+d.String(), func(t *testing.T) {
					dir := copyGolden(t, pattern, int(v))
					if h := header(t, dir); pattern == goldenTTLWAL && (!h.Dirty() || h.Flags&layout.FlagWAL == 0 || h.Count != 20) {
						t.Fatalf("golden map: header %+v, want it dirty, logged, at the checkpoint of 20 keys", h)
					}
					for _, at := range []time.Duration{0, time.Minute, 2 * time.Hour} {
						now := goldenNow.Add(at)
						m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d, Clock: clockAt(now)})
						must(t, err)
						requireTTLGolden(t, m, now)
						must(t, m.Close())
					}
				})
			}
		}
	}
}

// A map of format version 1, which has no keys that expire, opens, reads,
// takes writes with an expiry, becomes version 2 and passes Check; the
// expiries survive a reopen and expire when they should, in each mode.
func TestVersion1TakesExpiringWrites(t *testing.T) {
	for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		for _, pattern := range []string{goldenClean, goldenWAL} {
			t.Run(fmt.Sprintf(pattern[len("testdata/"):], 1)+"/"+d.String(), func(t *testing.T) {
				dir := copyGolden(t, pattern, 1)
				now := goldenNow
				open := func() *diskmap.Map[string, string] {
					m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d, Clock: func() time.Time { return now }})
					must(t, err)
					return m
				}
				m := open()
				keys, want := goldenContents()
				if pattern == goldenWAL {
					keys, want = walContents()
				}
				requireGolden(t, m, keys, want)
				must(t, m.PutTTL(keys[0], "expires", time.Minute))
				must(t, m.PutTTL("new", "expires too", time.Hour))
				must(t, m.Batch(func(b *diskmap.Batch[string, string]) error { return b.PutTTL(keys[1], "batched", time.Hour) }))
				must(t, m.Check())
				must(t, m.Close())
				if h := header(t, dir); h.Version != layout.Version {
					t.Fatalf("after writes with an expiry: version %d, want %d", h.Version, layout.Version)
				}
				m = open()
				defer func() { must(t, m.Close()) }()
				for k, ttl := range map[string]time.Duration{keys[0]: time.Minute, "new": time.Hour, keys[1]: time.Hour, keys[2]: 0} {
					if got, ok, err := m.TTL(k); got != ttl || !ok || err != nil {
						t.Fatalf("TTL(%q) after reopening = %v, %v, %v; want %v", k, got, ok, err, ttl)
					}
				}
				now = now.Add(time.Minute)
				if _, ok, err := m.Get(keys[0]); ok || err != nil {
					t.Fatalf("Get(%q) after it expired: %v, %v", keys[0], ok, err)
				}
				if n, err := m.RemoveExpired(); n != 1 || err != nil {
					t.Fatalf("RemoveExpired = %d, %v; want 1", n, err)
				}
				must(t, m.Check())
				if m.Len() != len(want) { // keys[0] expired and removed, "new" added
					t.Fatalf("Len = %d, want %d", m.Len(), len(want))
				}
			})
		}
	}
}
