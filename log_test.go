package diskmap_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// A directory without a map that holds a file named wal is not ours to
// write: creating a map there, in any mode, is refused with an error that
// names the file, and the file is left as it was. (A log is created only
// after the buckets file, so no creation cut short leaves one.)
func TestCreateRefusesForeignLog(t *testing.T) {
	for _, d := range durabilities {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "wal")
			foreign := []byte("someone else's write-ahead log\n")
			if err := os.WriteFile(path, foreign, 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := diskmap.Open[string, string](dir, &diskmap.Options{Durability: d})
			if err == nil {
				// What the old code did: a batch writes the log over the file.
				m.Batch(func(b *diskmap.Batch[string, string]) error { return b.Put("k", "v") })
				m.Close()
				t.Fatal("Open created a map beside a foreign wal")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("Open = %v, want an error naming %s", err, path)
			}
			if b, _ := os.ReadFile(path); !bytes.Equal(b, foreign) {
				t.Errorf("the foreign wal now holds %q", b)
			}
			if _, err := os.Stat(filepath.Join(dir, "buckets")); err == nil {
				t.Error("the refused Open created buckets")
			}
		})
	}
}
