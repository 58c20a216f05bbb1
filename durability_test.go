package diskmap_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// In every mode, a crash of the process after a mutation returned loses
// nothing: a copy of the files taken while the map is open reopens with
// every acknowledged mutation, through growth, checkpoints and compaction.
func TestCrashCopyKeepsEveryAcknowledgedMutation(t *testing.T) {
	t.Parallel()
	for _, d := range maptest.Modes {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			opts := &diskmap.Options{Durability: d, WALCheckpointBytes: 64 << 10, Capacity: 16}
			m := maptest.Open[uint64, []byte](t, dir, opts)
			r := rand.New(rand.NewPCG(7, uint64(d)))
			model := map[uint64][]byte{}
			for step := range 4000 {
				k := r.Uint64N(600)
				switch x := r.IntN(100); {
				case x < 70:
					v := fmt.Appendf(nil, "v%d-%d", k, step)
					if err := m.Put(k, v); err != nil {
						t.Fatal(err)
					}
					model[k] = v
				case x < 95:
					if _, err := m.Delete(k); err != nil {
						t.Fatal(err)
					}
					delete(model, k)
				case x < 97:
					if err := m.Compact(); err != nil {
						t.Fatal(err)
					}
				default:
					if err := m.Sync(); err != nil {
						t.Fatal(err)
					}
				}
				if step%500 == 499 {
					crashed := filepath.Join(t.TempDir(), "crashed")
					maptest.CrashCopy(t, dir, crashed)
					c, err := diskmap.Open[uint64, []byte](crashed, &diskmap.Options{Durability: d})
					if err != nil {
						t.Fatalf("step %d: reopening the crash copy: %v", step, err)
					}
					if err := c.Check(); err != nil {
						t.Fatalf("step %d: %v", step, err)
					}
					if c.Len() != len(model) {
						t.Fatalf("step %d: Len %d, want %d", step, c.Len(), len(model))
					}
					for k, want := range model {
						got, ok, err := c.Get(k)
						if err != nil || !ok || string(got) != string(want) {
							t.Fatalf("step %d: key %d = %q %v %v, want %q", step, k, got, ok, err, want)
						}
					}
					if err := c.Close(); err != nil {
						t.Fatalf("step %d: Close: %v", step, err)
					}
				}
			}
		})
	}
}

// Recovery steps over a dead record that a crash tore (its checksum
// wrong, its header whole, a whole record after it) instead of ending
// the arena there: a key's synced value and every record written after it
// survive. Check passes with the torn record still there; a later crash
// in every mode recovers past it again, and Compact drops it. A live
// record torn so is still reported by Check.
func TestRecoverStepsOverTornDeadRecord(t *testing.T) {
	live := t.TempDir()
	m := maptest.Open[string, string](t, live, nil)
	put := func(k, v string) {
		if err := m.Put(k, v); err != nil {
			t.Fatal(err)
		}
	}
	put("h", "value A of h, synced")
	if err := m.Sync(); err != nil {
		t.Fatal(err)
	}
	put("h", "value B of h, dead!!")
	put("z", "value of z, after B")
	put("h", "value C of h, latest")
	want := map[string]string{"h": "value C of h, latest", "z": "value of z, after B"}
	dir := filepath.Join(t.TempDir(), "map")
	maptest.CrashCopy(t, live, dir) // a crash of the process now
	maptest.EditFile(t, dir, "values", func(b []byte) []byte {
		i := bytes.Index(b, []byte("value B of h"))
		if i < 0 {
			t.Fatal("value B not found in the values file")
		}
		b[i+6] ^= 0xff // B is torn: a dead record
		return b
	})
	for _, d := range []diskmap.Durability{diskmap.DurabilityOS, diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		r, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d})
		if err != nil {
			t.Fatalf("Open after the crash, in %v: %v", d, err)
		}
		if err := r.Check(); err != nil {
			t.Fatalf("Check after recovery, in %v: %v", d, err)
		}
		maptest.RequireContents(t, r, want)
		k := "after " + d.String()
		if err := r.Put(k, "v"); err != nil {
			t.Fatal(err)
		}
		want[k] = "v"
		again := filepath.Join(t.TempDir(), "again")
		maptest.CrashCopy(t, dir, again) // another crash, the torn record below the end now
		maptest.CheckClose(t, r)
		dir = again
	}
	c := maptest.Open[string, string](t, dir, nil)
	maptest.RequireContents(t, c, want)
	dead := c.Stats().Values.Dead
	if err := c.Compact(); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats().Values; s.Dead != 0 || dead == 0 {
		t.Fatalf("dead value bytes: %d before Compact, %d after; want some, then none", dead, s.Dead)
	}
	maptest.RequireContents(t, c, want)

	// The live record of h, torn the same way, with z's record after it.
	maptest.CheckClose(t, c)
	maptest.EditFile(t, dir, "values", func(b []byte) []byte {
		b[bytes.Index(b, []byte("value C of h"))+6] ^= 0xff
		return b
	})
	c, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer maptest.CheckClose(t, c)
	if err := c.Check(); err == nil || !namesFile(err.Error(), dir, "buckets") {
		t.Fatalf("Check of a map whose live record is torn: %v, want the slot reported", err)
	}
}
