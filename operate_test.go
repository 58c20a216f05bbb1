package diskmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// What a map tells the service that runs it: who holds a locked map, a
// wait for the lock, what a recovery did, progress and logs.

// An Open that finds the map locked says who holds it: a writer, with
// its process id, or readers.
func TestLockedErrorSaysWho(t *testing.T) {
	dir := t.TempDir()
	w := maptest.Open[string, string](t, dir, nil)
	_, err := diskmap.Open[string, string](dir, nil)
	var le *diskmap.LockedError
	if !errors.As(err, &le) || !errors.Is(err, diskmap.ErrLocked) {
		t.Fatalf("second Open: %v, want a *LockedError matching ErrLocked", err)
	}
	if !le.Writer || le.PID != os.Getpid() || le.Dir != dir {
		t.Fatalf("LockedError %+v: want a writer, process %d, in %s", *le, os.Getpid(), dir)
	}
	if want := fmt.Sprintf("diskmap: %s is in use by a writer, process %d", dir, os.Getpid()); err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	maptest.CheckClose(t, w)

	r := maptest.Open[string, string](t, dir, &diskmap.Options{ReadOnly: true})
	_, err = diskmap.Open[string, string](dir, nil)
	if !errors.As(err, &le) || le.Writer || !strings.Contains(err.Error(), "in use by readers") {
		t.Fatalf("Open for writing beside a reader: %v, want a *LockedError naming readers", err)
	}
	maptest.CheckClose(t, r)
}

// With LockTimeout an Open waits for the lock: it succeeds once the holder
// closes within the wait, and fails with a *LockedError once it has run
// out.
func TestLockTimeout(t *testing.T) {
	dir := t.TempDir()
	w := maptest.Open[string, string](t, dir, nil)
	if err := w.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	_, err := diskmap.Open[string, string](dir, &diskmap.Options{LockTimeout: 20 * time.Millisecond})
	if !errors.Is(err, diskmap.ErrLocked) {
		t.Fatalf("Open waiting 20ms for a map held all along: %v, want ErrLocked", err)
	}
	closed := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		closed <- w.Close()
	}()
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{LockTimeout: time.Minute})
	if cerr := <-closed; cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("Open waiting a minute for a map closed after 50ms: %v", err)
	}
	if v, ok, err := m.Get("k"); err != nil || !ok || v != "v" {
		t.Fatalf("Get = %q, %v, %v", v, ok, err)
	}
	maptest.CheckClose(t, m)
}

// Stats.Recovery says what the Open of a map left by a crash recovered,
// and is zero after a clean Open.
func TestStatsRecovery(t *testing.T) {
	maptest.ForEachMode(t, func(t *testing.T, opts *diskmap.Options) {
		dir := t.TempDir()
		opts.WALCheckpointBytes = 1 << 30
		m := maptest.Open[string, string](t, dir, opts)
		for i := range 100 {
			if err := m.Put(fmt.Sprint("synced", i), "v"); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := m.Checkpoint(); err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			if err := m.Put(fmt.Sprint("since", i), "v"); err != nil {
				t.Fatal(err)
			}
		}
		if opts.Durability != diskmap.DurabilityOS { // there Sync would write a header
			if err := m.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		maptest.CrashCopy(t, dir, crashed)
		if s := m.Stats(); s.Recovery.Ran {
			t.Fatalf("a map created by this Open says it was recovered: %+v", s.Recovery)
		}
		maptest.CheckClose(t, m)

		var events []diskmap.Progress
		ropts := *opts
		ropts.Progress = func(p diskmap.Progress) { events = append(events, p) }
		r := maptest.Open[string, string](t, crashed, &ropts)
		rec := r.Stats().Recovery
		if !rec.Ran || rec.Took <= 0 {
			t.Fatalf("Recovery %+v: want it ran, and took some time", rec)
		}
		if rec.Keys+rec.Frames == 0 || r.Len() != 140 {
			t.Fatalf("Recovery %+v, Len %d: want 140 keys, from the table or the log", rec, r.Len())
		}
		if opts.Durability == diskmap.DurabilityOS {
			if rec.Frames != 0 || rec.KeysFound == 0 || rec.ValuesFound == 0 {
				t.Fatalf("Recovery %+v: want records found past the last Sync's header, no frames", rec)
			}
		} else if rec.Frames == 0 || rec.LogBytes == 0 || rec.KeysFound != 0 {
			t.Fatalf("Recovery %+v: want frames replayed from the log, nothing walked", rec)
		}
		requireProgress(t, events, diskmap.OpRecover)
		maptest.CheckClose(t, r)

		again := maptest.Open[string, string](t, crashed, opts)
		if s := again.Stats(); s.Recovery != (diskmap.Recovery{}) {
			t.Fatalf("a clean Open says: %+v, want the zero Recovery", s.Recovery)
		}
		maptest.CheckClose(t, again)
	})
}

// requireProgress checks the reports of one operation op: from 0, never
// back, never past the total, ending at it.
func requireProgress(t *testing.T, events []diskmap.Progress, op diskmap.Op) {
	t.Helper()
	var mine []diskmap.Progress
	for _, e := range events {
		if e.Op == op {
			mine = append(mine, e)
		}
	}
	if len(mine) < 2 {
		t.Fatalf("%d reports of %s: want a start and an end at least (all: %v)", len(mine), op, events)
	}
	last := mine[len(mine)-1]
	if mine[0].Done != 0 || last.Done != last.Total || last.Total <= 0 {
		t.Fatalf("%s reports from %+v to %+v: want from 0 to the total", op, mine[0], last)
	}
	for i := 1; i < len(mine); i++ {
		if mine[i].Done < mine[i-1].Done || mine[i].Done > mine[i].Total || mine[i].Total != last.Total {
			t.Fatalf("%s report %d: %+v after %+v", op, i, mine[i], mine[i-1])
		}
	}
}

// Compact, Check, Backup, Export and Import report their progress, a
// bounded number of times, and Put, Get and View never do.
func TestProgress(t *testing.T) {
	var events []diskmap.Progress
	opts := &diskmap.Options{Capacity: 50000, Progress: func(p diskmap.Progress) { events = append(events, p) }}
	m := maptest.Open[int, int](t, t.TempDir(), opts)
	for i := range 20000 {
		if err := m.Put(i, i); err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Get(i); err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.View(i); err != nil {
			t.Fatal(err)
		}
	}
	if len(events) != 0 {
		t.Fatalf("puts and reads reported progress: %v", events[:min(len(events), 5)])
	}
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	requireProgress(t, events, diskmap.OpCompact)
	requireProgress(t, events, diskmap.OpCheck)
	if len(events) > 2*(128+3) {
		t.Fatalf("%d reports for one Compact and one Check: want at most about 128 each", len(events))
	}
	if err := m.Backup(filepath.Join(t.TempDir(), "backup")); err != nil {
		t.Fatal(err)
	}
	requireProgress(t, events, diskmap.OpBackup)
	var stream bytes.Buffer
	if _, err := m.Export(&stream); err != nil {
		t.Fatal(err)
	}
	requireProgress(t, events, diskmap.OpExport)
	maptest.CheckClose(t, m)

	events = nil
	dst := maptest.Open[int, int](t, t.TempDir(), opts)
	if n, err := dst.Import(&stream); err != nil || n != 20000 {
		t.Fatalf("Import = %d, %v", n, err)
	}
	last := events[len(events)-1]
	if events[0] != (diskmap.Progress{Op: diskmap.OpImport}) || last != (diskmap.Progress{Op: diskmap.OpImport, Done: 20000, Total: 20000}) {
		t.Fatalf("Import reported %+v first and %+v last: want from nothing to 20000 of 20000", events[0], last)
	}
	maptest.CheckClose(t, dst)
}

// Options.Logger gets a record of a compaction, a table growth, a
// checkpoint and a recovery, and none of a single put or read.
func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dir := t.TempDir()
	m := maptest.Open[int, int](t, dir, &diskmap.Options{Logger: logger, Capacity: 16})
	for i := range 3000 { // grows the table several times
		if err := m.Put(i, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Compact(); err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"diskmap: table growing", "diskmap: table grown", "diskmap: compacted", "diskmap: checkpoint"} {
		if !strings.Contains(buf.String(), `msg="`+msg+`"`) || !strings.Contains(buf.String(), "dir="+dir) {
			t.Errorf("no %q record with the directory in the log:\n%s", msg, buf.String())
		}
	}
	buf.Reset()
	for i := range 100 {
		if err := m.Put(i, i+1); err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Get(i); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Len() != 0 {
		t.Fatalf("updates and reads were logged:\n%s", buf.String())
	}
	crashed := filepath.Join(t.TempDir(), "crashed")
	maptest.CrashCopy(t, dir, crashed)
	maptest.CheckClose(t, m)
	r := maptest.Open[int, int](t, crashed, &diskmap.Options{Logger: logger})
	if !strings.Contains(buf.String(), `msg="diskmap: recovered"`) || !strings.Contains(buf.String(), "keys=3000") {
		t.Fatalf("no recovery record with its keys in the log:\n%s", buf.String())
	}
	maptest.CheckClose(t, r)
}
