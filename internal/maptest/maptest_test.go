package maptest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// recorder is a testing.TB that records failures instead of failing the
// test; Fatal ends the goroutine, as on a real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// failures runs check with a recorder and returns what it reported.
func failures(t *testing.T, check func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.errors
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// RequireSameFiles reports a file changed, one removed and one created,
// but not the files it is told to leave out.
func TestRequireSameFilesSeesEveryChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"same", "changed", "removed", "lock"} {
		writeFile(t, filepath.Join(dir, name), name)
	}
	before := maptest.DirFiles(t, dir, "lock")
	writeFile(t, filepath.Join(dir, "changed"), "CHANGED")
	writeFile(t, filepath.Join(dir, "lock"), "other")
	writeFile(t, filepath.Join(dir, "created"), "new")
	if err := os.Remove(filepath.Join(dir, "removed")); err != nil {
		t.Fatal(err)
	}
	got := failures(t, func(tb testing.TB) { maptest.RequireSameFiles(tb, dir, before, "lock") })
	slices.Sort(got)
	want := []string{"changed changed", "created was created", "removed was removed"}
	if !slices.Equal(got, want) {
		t.Errorf("RequireSameFiles reported %q, want %q", got, want)
	}
	if got := failures(t, func(tb testing.TB) { maptest.RequireSameFiles(tb, dir, maptest.DirFiles(t, dir)) }); len(got) != 0 {
		t.Errorf("RequireSameFiles of an unchanged directory reported %q", got)
	}
}

// RequireContents fails on a missing key, a wrong value and a key too many.
func TestRequireContentsSeesEveryDifference(t *testing.T) {
	t.Parallel()
	m := maptest.Open[string, string](t, t.TempDir(), nil)
	for _, k := range []string{"a", "b"} {
		if err := m.Put(k, "v"+k); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]map[string]string{
		"missing key": {"a": "va", "b": "vb", "c": "vc"},
		"wrong value": {"a": "va", "b": "other"},
		"extra key":   {"a": "va"},
	} {
		if got := failures(t, func(tb testing.TB) { maptest.RequireContents(tb, m, want) }); len(got) == 0 {
			t.Errorf("%s: RequireContents reported nothing", name)
		}
	}
	if got := failures(t, func(tb testing.TB) { maptest.RequireContents(tb, m, map[string]string{"a": "va", "b": "vb"}) }); len(got) != 0 {
		t.Errorf("RequireContents of the right contents reported %q", got)
	}
}

// ForEachMode runs the test once in each mode, with options of that mode.
func TestForEachModeRunsEveryMode(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []diskmap.Durability
	t.Run("modes", func(t *testing.T) {
		maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
			mu.Lock()
			defer mu.Unlock()
			if !reflect.DeepEqual(*opts, diskmap.Options{Durability: opts.Durability}) {
				t.Errorf("options %+v set more than the durability", *opts)
			}
			seen = append(seen, opts.Durability)
		})
	})
	slices.Sort(seen)
	want := slices.Clone(maptest.Modes)
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Errorf("ForEachMode ran in %v, want %v", seen, want)
	}
}

// CopyMapFiles copies the map's files that are there and no others.
func TestCopyMapFilesCopiesTheMapFiles(t *testing.T) {
	t.Parallel()
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	for _, name := range []string{"buckets", "keys", "values", "lock"} {
		writeFile(t, filepath.Join(src, name), name)
	}
	if err := maptest.CopyMapFiles(src, dst); err != nil {
		t.Fatal(err)
	}
	got := maptest.DirFiles(t, dst)
	if len(got) != 3 || string(got["buckets"]) != "buckets" || string(got["keys"]) != "keys" || string(got["values"]) != "values" {
		t.Errorf("the copy holds %q, want buckets, keys and values", got)
	}
}
