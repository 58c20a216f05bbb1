package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
)

// crashCopy returns a copy of the files of an open map, as a crash of the
// process that holds it leaves them: what it wrote into its mappings is
// in the files, and the header says it was not closed cleanly.
func crashCopy(t *testing.T, dir string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "crashed")
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"buckets", "keys", "values", "wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

func TestRecoverAMapNotClosedCleanly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}()
	for _, k := range []string{"a", "b", "c"} {
		if err := m.Put(k, "v"); err != nil {
			t.Fatal(err)
		}
	}
	crashed := crashCopy(t, dir)
	fails(t, 2, "the map was not closed cleanly; diskmap recover "+crashed+" repairs it", "", "get", crashed, "a")
	out := ok(t, "", "recover", crashed)
	for _, want := range []string{
		crashed + ": diskmap.Map, not closed cleanly: the Open recovered it\n",
		"The library does not report what a recovery did",
		"keys              0       3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("recover printed\n%s\nwant %q", out, want)
		}
	}
	if got := ok(t, "", "get", crashed, "c"); got != "v\n" {
		t.Errorf("get after recover = %q", got)
	}
	if out := ok(t, "", "recover", crashed); !strings.Contains(out, "closed cleanly: there was nothing to recover") {
		t.Errorf("recover again printed\n%s", out)
	}
}

func TestRecoverAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 40)
	if out := ok(t, "", "recover", dir); !strings.HasPrefix(out, dir+": concurrent.Map, closed cleanly") || !strings.Contains(out, "keys              40      40") {
		t.Errorf("recover printed\n%s", out)
	}
}
