package diskmap

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// prefaultRegion maps a new file of n bytes, never touched, for a test of
// the background's prefaults; it skips the test where the system cannot
// prefault or say what is in memory.
func prefaultRegion(t *testing.T, n int) *mmap.Region {
	t.Helper()
	probe := mapNew(t, "probe", os.Getpagesize())
	if _, err := probe.Resident(); err != nil {
		t.Skip(err)
	}
	if err := probe.Prefault(0, 1, false); err != nil {
		t.Skip(err)
	}
	return mapNew(t, "data", n)
}

// mapNew maps a new file of n bytes, holes, read-write.
func mapNew(t *testing.T, name string, n int) *mmap.Region {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	if err := f.Truncate(int64(n)); err != nil {
		t.Fatal(err)
	}
	r, err := mmap.Map(f, n, mmap.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Unmap() })
	return r
}

// A long prefault yields to the jobs queued after it began, a chunk at a
// time: an arena's prefault does not wait for a whole table's.
func TestPrefaultYieldsToLaterJobs(t *testing.T) {
	const n = 256 * prefaultChunk
	r := prefaultRegion(t, n)
	var b background
	b.prefault(r, 0, n, true)
	resident := -1
	b.run(func() { resident, _ = r.Resident() })
	b.wg.Wait()
	if resident < 0 || resident >= n/2 {
		t.Fatalf("the job queued after a prefault of %d bytes ran with %d of them in memory, want under half", n, resident)
	}
	if all, err := r.Resident(); err != nil || all != n {
		t.Fatalf("after the prefault %d of %d bytes are in memory (%v)", all, n, err)
	}
}

// A prefault that a goroutine queues after a drain, from an epoch read
// before it, does nothing: the drain cut it short.
func TestPrefaultSinceDrainDoesNothing(t *testing.T) {
	const n = 16 * prefaultChunk
	r := prefaultRegion(t, n)
	var b background
	epoch := b.epoch.Load()
	b.drain()
	b.prefaultSince(epoch, r, 0, n, true)
	b.wg.Wait()
	if got, err := r.Resident(); err != nil || got != 0 {
		t.Fatalf("%d bytes in memory after a prefault cut short (%v), want none", got, err)
	}
}
