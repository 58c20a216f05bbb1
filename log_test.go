package diskmap_test

import (
	"errors"
	"testing"

	"github.com/diskmap-go/diskmap"
)

// After Close, WaitSynced answers a mutation that was never synced with
// diskmap.ErrClosed, the error every other method of a closed map returns.
func TestWaitSyncedAfterClose(t *testing.T) {
	for _, d := range []diskmap.Durability{diskmap.DurabilityWAL, diskmap.DurabilityWALSync} {
		t.Run(d.String(), func(t *testing.T) {
			m := openMap[string, string](t, t.TempDir(), &diskmap.Options{Durability: d})
			if err := m.Put("k", "v"); err != nil {
				t.Fatal(err)
			}
			last := m.LastSeq()
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if err := m.WaitSynced(last); err != nil {
				t.Errorf("WaitSynced(%d) after Close, for a synced mutation = %v, want nil", last, err)
			}
			if err := m.WaitSynced(last + 1); !errors.Is(err, diskmap.ErrClosed) {
				t.Errorf("WaitSynced(%d) after Close = %v, want diskmap.ErrClosed", last+1, err)
			}
		})
	}
}
