package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStatsTable(t *testing.T) {
	dir := stringMap(t, "a", "1", "b", "2", "c", "3")
	out := ok(t, "", "stats", dir)
	for _, want := range []string{
		"map           " + dir,
		"kind          diskmap.Map",
		"codecs        key string, value string",
		"keys          3 ",
		"table         1024 slots, 0 tombstones",
		"compactions   0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stats does not say %q:\n%s", want, out)
		}
	}
}

func TestStatsJSON(t *testing.T) {
	dir := stringMap(t, "a", "1", "b", "2")
	var r statsReport
	if err := json.Unmarshal([]byte(ok(t, "", "stats", "-json", dir)), &r); err != nil {
		t.Fatal(err)
	}
	if r.Len != 2 || r.Kind != "diskmap.Map" || r.KeyCodec != "string" || r.Capacity != 1024 || r.Keys.Live == 0 {
		t.Errorf("stats -json = %+v", r)
	}
}

// A concurrent.Map's stats are the totals over its shards, and -json has
// each shard.
func TestStatsOfAConcurrentMap(t *testing.T) {
	dir := shardedMap(t, 100)
	var r statsReport
	if err := json.Unmarshal([]byte(ok(t, "", "stats", "-json", dir)), &r); err != nil {
		t.Fatal(err)
	}
	if r.Len != 100 || r.Kind != "concurrent.Map" || r.Shards != 4 || len(r.PerShard) != 4 || r.ValueCodec != "int64" {
		t.Fatalf("stats -json = %+v", r)
	}
	sum := 0
	for _, s := range r.PerShard {
		sum += s.Len
	}
	if sum != 100 {
		t.Errorf("shards hold %d keys, want 100", sum)
	}
	if out := ok(t, "", "stats", dir); !strings.Contains(out, "concurrent.Map of 4 shards") {
		t.Errorf("stats:\n%s", out)
	}
}
