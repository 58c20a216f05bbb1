package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// crashCopy returns a copy of the files of an open map, as a crash of the
// process that holds it leaves them: what it wrote into its mappings is
// in the files, and the headers say it was not closed cleanly. The lock
// files are left out: a crash frees the lock.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "crashed")
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() == "lock" {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// crashedMap returns the crash copy of a diskmap.Map of strings that
// holds n keys, "k0" to "v0" and so on, written with durability d.
func crashedMap(t *testing.T, n int, d diskmap.Durability) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "m")
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}()
	for i := range n {
		if err := m.Put(fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	return crashCopy(t, dir)
}

// row returns the value of the row named name in what recover printed.
func row(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` +(.+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("recover printed\n%s\nwith no row %q", out, name)
	}
	return m[1]
}

// Recover prints what the Open's recovery of a map left by a crash did,
// as Stats().Recovery says: without a log, the records found past the
// last header's ends.
func TestRecoverAMapNotClosedCleanly(t *testing.T) {
	crashed := crashedMap(t, 3, diskmap.DurabilityOS)
	fails(t, 2, "the map was not closed cleanly; diskmap recover "+crashed+" repairs it", "", "get", crashed, "k0")
	out := ok(t, "", "recover", crashed)
	if want := crashed + ": diskmap.Map, not closed cleanly: the Open recovered it in "; !strings.HasPrefix(out, want) {
		t.Errorf("recover printed\n%s\nwant it to start %q", out, want)
	}
	for name, want := range map[string]string{
		"keys in the rebuilt table": "3", "slots dropped": "0", "log frames replayed": "0",
		"log replayed": "0 B", "table was growing": "no", "keys now": "3",
	} {
		if got := row(t, out, name); got != want {
			t.Errorf("recover printed %s %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"key records found", "value records found"} {
		if got := row(t, out, name); got == "0 B" {
			t.Errorf("recover printed %s %q: want the records written since the last header", name, got)
		}
	}
	if got := ok(t, "", "get", crashed, "k2"); got != "v2\n" {
		t.Errorf("get after recover = %q", got)
	}
	if out := ok(t, "", "recover", crashed); out != crashed+": diskmap.Map, closed cleanly: there was nothing to recover\n" {
		t.Errorf("recover again printed\n%s", out)
	}
}

// In the WAL modes, a recovery replays the log's frames.
func TestRecoverReplaysTheLog(t *testing.T) {
	crashed := crashedMap(t, 5, diskmap.DurabilityWAL)
	out := ok(t, "", "recover", crashed)
	if got := row(t, out, "log frames replayed"); got == "0" {
		t.Errorf("recover printed\n%s\nwant frames of the log replayed", out)
	}
	if got := row(t, out, "log replayed"); got == "0 B" {
		t.Errorf("recover printed\n%s\nwant bytes of the log replayed", out)
	}
	if got := row(t, out, "keys now"); got != "5" {
		t.Errorf("recover printed keys now %q, want 5", got)
	}
}

// Of a concurrent.Map, recover says how many shards the Open recovered:
// those written since the Open before, here the one of the key put.
func TestRecoverAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 40)
	if out := ok(t, "", "recover", dir); out != dir+": concurrent.Map, closed cleanly: there was nothing to recover\n" {
		t.Errorf("recover printed\n%s", out)
	}
	m, err := concurrent.Open[string, int64](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}()
	if err := m.Put("new", 1); err != nil {
		t.Fatal(err)
	}
	crashed := crashCopy(t, dir)
	out := ok(t, "", "recover", crashed)
	if want := crashed + ": concurrent.Map, 1 of 4 shards not closed cleanly: the Open recovered it in "; !strings.HasPrefix(out, want) {
		t.Errorf("recover printed\n%s\nwant it to start %q", out, want)
	}
	if got := row(t, out, "keys now"); got != "41" {
		t.Errorf("recover printed keys now %q, want 41", got)
	}
}
