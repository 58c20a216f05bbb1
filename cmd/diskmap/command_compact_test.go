package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
)

func TestCompactDropsDeadBytes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{CompactAt: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := m.Put(fmt.Sprint(i), strings.Repeat("x", 100)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 150 {
		if _, err := m.Delete(fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	out := ok(t, "", "compact", dir)
	if !strings.HasPrefix(out, dir+": 50 keys; files ") {
		t.Errorf("compact = %q", out)
	}
	var r statsReport
	if err := json.Unmarshal([]byte(ok(t, "", "stats", "-json", dir)), &r); err != nil {
		t.Fatal(err)
	}
	if r.Len != 50 || r.Values.Dead != 0 || r.Tombstones != 0 || r.Compacted != 1 {
		t.Errorf("after compact: %+v", r)
	}
	ok(t, "", "check", dir)
}

func TestCompactAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 100)
	ok(t, "", "compact", dir)
	if out := ok(t, "", "check", dir); out != dir+": ok, 100 keys\n" {
		t.Errorf("check = %q", out)
	}
}
