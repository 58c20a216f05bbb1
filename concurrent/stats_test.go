package concurrent_test

import (
	"testing"

	"github.com/diskmap-go/diskmap/concurrent"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/layout"
)

// The totals of Stats add up the shards' arenas, their twins included: a
// key updated again and again in each of two shards leaves one reusable
// record in each.
func TestStatsAddUpTheShards(t *testing.T) {
	m := maptest.OpenSharded[string, uint64](t, t.TempDir(), &concurrent.Options{Shards: 2})
	in0, in1 := keysIn(m, 0, 1)
	for _, k := range []string{in0[0], in1[0]} {
		for i := range 5 {
			if err := m.Put(k, uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := m.Stats()
	rec := layout.RecordSize(8)
	for i, s := range st.Shards {
		if s.Values.Live != rec || s.Values.Reusable != rec {
			t.Fatalf("shard %d: values %+v, want one record live and one reusable", i, s.Values)
		}
	}
	if v := st.Values; v.Live != 2*rec || v.Dead != 2*rec || v.Reusable != 2*rec || v.Size != st.Shards[0].Values.Size+st.Shards[1].Values.Size {
		t.Fatalf("totals: values %+v, want the sums of the shards' %+v and %+v", v, st.Shards[0].Values, st.Shards[1].Values)
	}
}
