package concurrent_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// fillSharded puts n keys into m, every third with a time to live, and
// returns them.
func fillSharded(t *testing.T, m *concurrent.Map[string, string], n int) map[string]string {
	t.Helper()
	want := map[string]string{}
	for i := range n {
		k, v := key(i), strings.Repeat("v", i%17)
		var err error
		if i%3 == 0 {
			err = m.PutTTL(k, v, time.Hour)
		} else {
			err = m.Put(k, v)
		}
		if err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	return want
}

// exportSharded returns m's export stream.
func exportSharded(t *testing.T, m *concurrent.Map[string, string]) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := m.Export(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Export = %d, %v; wrote %d bytes", n, err, buf.Len())
	}
	return buf.Bytes()
}

// A concurrent.Map's stream imports into a diskmap.Map, and that map's
// stream into a concurrent.Map of another shard count, with the same keys,
// values and expiries.
func TestExportImportAcrossKinds(t *testing.T) {
	t.Parallel()
	clock := maptest.NewClock()
	src := maptest.OpenSharded[string, string](t, filepath.Join(t.TempDir(), "src"), clocked(8, clock))
	want := fillSharded(t, src, 200)
	flat := maptest.Open[string, string](t, filepath.Join(t.TempDir(), "flat"), maptest.WithClock(nil, clock))
	if n, err := flat.Import(bytes.NewReader(exportSharded(t, src))); err != nil || n != len(want) {
		t.Fatalf("diskmap Import = %d, %v; want %d", n, err, len(want))
	}
	maptest.RequireContents(t, flat, want)
	var buf bytes.Buffer
	if _, err := flat.Export(&buf); err != nil {
		t.Fatal(err)
	}
	back := maptest.OpenSharded[string, string](t, filepath.Join(t.TempDir(), "back"), clocked(2, clock))
	if n, err := back.Import(&buf); err != nil || n != len(want) {
		t.Fatalf("concurrent Import = %d, %v; want %d", n, err, len(want))
	}
	maptest.RequireContents(t, back, want)
	if ttl, ok, err := back.TTL(key(3)); err != nil || !ok || ttl != time.Hour {
		t.Fatalf("TTL after two imports = %v, %v, %v; want 1h", ttl, ok, err)
	}
	if ttl, ok, err := back.TTL(key(4)); err != nil || !ok || ttl != 0 {
		t.Fatalf("TTL of a key without one = %v, %v, %v; want 0", ttl, ok, err)
	}
}

// An Import stops at the first damaged record, with an error naming its
// offset, and the map holds the records before it and none after; a
// stream of other codecs is refused; a read-only map imports nothing.
func TestImportShardedDamaged(t *testing.T) {
	t.Parallel()
	src := maptest.OpenSharded[string, string](t, filepath.Join(t.TempDir(), "src"), shards(4))
	for i := range 10 {
		if err := src.Put(key(i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	stream := exportSharded(t, src)
	var order []string
	for k := range src.Keys() {
		order = append(order, k)
	}
	const damaged = 6 // the record damaged: each is 88-byte header, then 20+16+1+4
	at := 88 + damaged*41
	bad := slices.Clone(stream)
	bad[at+22] ^= 1 // a byte of its key
	dst := maptest.OpenSharded[string, string](t, filepath.Join(t.TempDir(), "dst"), shards(2))
	n, err := dst.Import(bytes.NewReader(bad))
	if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("record %d at offset %d:", damaged, at)) || n != damaged {
		t.Fatalf("Import = %d, %v; want %d and ErrCorrupt naming offset %d", n, err, damaged, at)
	}
	want := map[string]string{}
	for _, k := range order[:damaged] {
		want[k] = "v"
	}
	maptest.RequireContents(t, dst, want)

	other := maptest.OpenSharded[int64, string](t, filepath.Join(t.TempDir(), "other"), shards(2))
	if _, err := other.Import(bytes.NewReader(stream)); !errors.Is(err, diskmap.ErrCodecMismatch) {
		t.Fatalf("Import of a stream of other codecs: %v, want ErrCodecMismatch", err)
	}
	dir := filepath.Join(t.TempDir(), "ro")
	maptest.CheckClose(t, maptest.OpenSharded[string, string](t, dir, shards(2)))
	ro := maptest.OpenSharded[string, string](t, dir, &concurrent.Options{Map: diskmap.Options{ReadOnly: true}})
	if _, err := ro.Import(bytes.NewReader(stream)); !errors.Is(err, diskmap.ErrReadOnly) {
		t.Fatalf("Import into a read-only map: %v, want ErrReadOnly", err)
	}
}

// A Backup of a sharded map, in each durability mode, opens, passes Check
// and holds what the map held; the map stays open and writable.
func TestBackupSharded(t *testing.T) {
	t.Parallel()
	for _, d := range maptest.Modes {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			opts := &concurrent.Options{Shards: 4, Map: diskmap.Options{Durability: d}}
			m := maptest.OpenSharded[string, string](t, filepath.Join(t.TempDir(), "m"), opts)
			want := fillSharded(t, m, 300)
			to := filepath.Join(t.TempDir(), "backup")
			if err := m.Backup(to); err != nil {
				t.Fatalf("Backup: %v", err)
			}
			if err := m.Put("after", "backup"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(to, "lock")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("the backup holds a lock file: %v", err)
			}
			b := maptest.OpenSharded[string, string](t, to, opts)
			if err := b.Check(); err != nil {
				t.Fatalf("Check of the backup: %v", err)
			}
			maptest.RequireContents(t, b, want)
		})
	}
}

// Backup captures one shard at a time: while it holds one shard's lock,
// the others are free, and a write to another shard goes through; a
// write to a shard not yet captured is in the backup, one to a shard
// captured already is not.
func TestBackupShardByShard(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, filepath.Join(t.TempDir(), "m"), shards(2))
	first, last := keyIn(m, 0), keyIn(m, 1)
	other := map[int]string{0: last, 1: first} // the key of the other shard
	concurrent.OnCapture(m, func(shard int) {
		if !concurrent.ShardFree(m, 1-shard) {
			t.Errorf("shard %d is locked while shard %d is captured", 1-shard, shard)
			return
		}
		if err := m.Put(other[shard], "during"); err != nil {
			t.Errorf("Put to shard %d while shard %d is captured: %v", 1-shard, shard, err)
		}
	})
	to := filepath.Join(t.TempDir(), "backup")
	if err := m.Backup(to); err != nil {
		t.Fatal(err)
	}
	concurrent.OnCapture(m, nil)
	maptest.RequireContents(t, m, map[string]string{first: "during", last: "during"})
	b := maptest.OpenSharded[string, string](t, to, nil)
	maptest.RequireContents(t, b, map[string]string{last: "during"})
}

// keyIn returns a key of shard i of m.
func keyIn(m *concurrent.Map[string, string], i int) string {
	for n := 0; ; n++ {
		if concurrent.ShardOf(m, key(n)) == i {
			return key(n)
		}
	}
}

// A Backup into a directory that holds anything fails with fs.ErrExist;
// one of a closed map with ErrClosed.
func TestBackupShardedRefused(t *testing.T) {
	t.Parallel()
	m := maptest.OpenSharded[string, string](t, filepath.Join(t.TempDir(), "m"), shards(2))
	to := t.TempDir()
	if err := os.WriteFile(filepath.Join(to, "notes"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.Backup(to); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Backup into a non-empty directory: %v, want fs.ErrExist", err)
	}
	maptest.CheckClose(t, m)
	if err := m.Backup(filepath.Join(t.TempDir(), "b")); !errors.Is(err, diskmap.ErrClosed) {
		t.Fatalf("Backup of a closed map: %v, want ErrClosed", err)
	}
}

// Import into a map with a ShardKey puts each record into the shard of its
// shard key.
func TestImportByShardKey(t *testing.T) {
	src := maptest.OpenSharded[string, string](t, t.TempDir(), tagged(4, diskmap.DurabilityOS))
	want := map[string]string{}
	for i := range 200 {
		k := fmt.Sprintf("{user%d}:item%d", i%10, i)
		if err := src.Put(k, k); err != nil {
			t.Fatal(err)
		}
		want[k] = k
	}
	var stream bytes.Buffer
	if _, err := src.Export(&stream); err != nil {
		t.Fatal(err)
	}
	maptest.CloseChecked(t, src)
	dst := maptest.OpenSharded[string, string](t, t.TempDir(), tagged(4, diskmap.DurabilityOS))
	if n, err := dst.Import(&stream); err != nil || n != len(want) {
		t.Fatalf("Import = %d, %v; want %d records", n, err, len(want))
	}
	maptest.RequireContents(t, dst, want) // each read looks in its shard key's shard
	maptest.CloseChecked(t, dst)
}
