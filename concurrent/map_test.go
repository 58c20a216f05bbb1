package concurrent_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

func TestBasic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.OpenSharded[string, string](t, dir, shards(8))
	want := map[string]string{}
	for i := range 1000 {
		k, v := key(i), fmt.Sprint("value", i)
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	for i := 0; i < 1000; i += 3 {
		found, err := m.Delete(key(i))
		if err != nil || !found {
			t.Fatalf("Delete(%q) = %v, %v", key(i), found, err)
		}
		delete(want, key(i))
	}
	maptest.RequireContents(t, m, want)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m = maptest.OpenSharded[string, string](t, dir, shards(2))
	maptest.RequireContents(t, m, want)
	if st := m.Stats(); len(st.Shards) != 8 || st.Len != len(want) {
		t.Errorf("after reopening with Shards 2: %d shards, Len %d; want 8, %d", len(st.Shards), st.Len, len(want))
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
}
