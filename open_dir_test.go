package diskmap_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A read-only Open of a directory without a map says that there is no map
// there, matching fs.ErrNotExist, and creates nothing: neither the
// directory nor a lock file in it.
func TestOpenReadOnlyNoMap(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	empty := filepath.Join(base, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(base, "missing"), empty} {
		_, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no map in "+dir) {
			t.Errorf("read-only Open of %s: %v; want an error saying there is no map in it, matching fs.ErrNotExist", dir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(base, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing directory: %v, want it still missing", err)
	}
	if names := dirNames(t, empty); len(names) != 0 {
		t.Errorf("the empty directory holds %q after a read-only Open, want nothing", names)
	}
}

// Open of the directory of a concurrent.Map is refused, for writing and
// read-only, and changes nothing there: the sharded map opens as it was.
// The same goes for shards that lost their manifest.
func TestOpenRefusesConcurrentMap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cm := maptest.OpenSharded[string, string](t, dir, nil)
	if err := cm.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := cm.Close(); err != nil {
		t.Fatal(err)
	}
	before := dirNames(t, dir)
	for _, ro := range []bool{false, true} {
		_, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: ro})
		if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "holds a concurrent.Map; open it with concurrent.Open") {
			t.Errorf("Open (read-only %v) of a concurrent.Map's directory: %v; want an error saying so, matching ErrCorrupt", ro, err)
		}
	}
	if after := dirNames(t, dir); !slices.Equal(after, before) {
		t.Errorf("the directory holds %q after the refused Opens, want %q as before", after, before)
	}
	cm = maptest.OpenSharded[string, string](t, dir, nil)
	if v, ok, err := cm.Get("k"); err != nil || !ok || v != "v" {
		t.Errorf("Get from the sharded map = %q, %v, %v; want v, true, nil", v, ok, err)
	}
	if err := cm.Close(); err != nil {
		t.Fatal(err)
	}

	if err := os.Remove(filepath.Join(dir, "manifest")); err != nil {
		t.Fatal(err)
	}
	_, err := diskmap.Open[string, string](dir, nil)
	if !errors.Is(err, diskmap.ErrCorrupt) || !strings.Contains(err.Error(), "shard-0000") {
		t.Errorf("Open of shards without a manifest: %v; want an error naming shard-0000, matching ErrCorrupt", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "buckets")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("buckets after the refused Open: %v, want none", err)
	}
}

// Open leaves the files in the directory that are not a map's alone, and
// creates a map among them.
func TestOpenLeavesOtherFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := maptest.Open[string, string](t, dir, &diskmap.Options{Durability: diskmap.DurabilityWAL})
	if err := m.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Errorf("notes.txt = %q, %v after Open, Compact and Close; want it as it was", b, err)
	}
}
