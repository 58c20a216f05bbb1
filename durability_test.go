package diskmap_test

import (
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
