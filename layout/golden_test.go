package layout_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden-v1 (only when the format version changes)")

// goldenDir holds a map written by format version 1. Every later version
// must still open it and read the same contents.
const goldenDir = "testdata/golden-v1"

// goldenContents is what the golden map holds: keys k000..k099 with values
// v<i>, of which every third was replaced by u<i> and every seventh deleted.
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

func writeGolden(t *testing.T) {
	must(t, os.RemoveAll(goldenDir))
	m, err := diskmap.Open[string, string](goldenDir, &diskmap.Options{Capacity: 100, KeyBytes: 4096, ValueBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
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
	must(t, os.Remove(filepath.Join(goldenDir, "lock")))
}

func TestGoldenV1Opens(t *testing.T) {
	if *updateGolden {
		writeGolden(t)
	}
	dir := t.TempDir()
	for _, name := range []string{"buckets", "keys", "values"} {
		b, err := os.ReadFile(filepath.Join(goldenDir, name))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	m, err := diskmap.Open[string, string](dir, nil)
	must(t, err)
	defer func() { must(t, m.Close()) }()
	must(t, m.Check())
	order, want := goldenContents()
	if m.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(want))
	}
	i := 0
	for k, v := range m.All() {
		if k != order[i] || v != want[k] {
			t.Fatalf("entry %d: %q=%q, want %q=%q", i, k, v, order[i], want[order[i]])
		}
		i++
	}
	must(t, m.Err())
	if st := m.Stats(); st.Tombstones == 0 || st.Values.Dead == 0 {
		t.Fatalf("golden map should keep tombstones and dead values: %+v", st)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
