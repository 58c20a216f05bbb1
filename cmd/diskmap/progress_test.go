package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap"
)

// On a terminal a bar counts to its total; elsewhere there is none.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true, 3, "dumping", false)
	for range 3 {
		p.add(1)
	}
	p.done()
	if out := b.String(); !strings.Contains(out, "dumping 100%") || !strings.Contains(out, "(3/3)") || !strings.HasSuffix(out, "\n") {
		t.Errorf("the bar drew %q", out)
	}
	b.Reset()
	p = newProgress(&b, false, 3, "dumping", false)
	p.add(3)
	p.done()
	if b.Len() != 0 {
		t.Errorf("with no terminal, the bar drew %q", b.String())
	}
}

// A meter draws the library's reports: a bar of each operation, to its
// real total, that starts again for each shard and says which it is at.
func TestMeterDrawsTheLibrarysReports(t *testing.T) {
	var b bytes.Buffer
	m := newMeter(&b, true)
	m.setShards(2)
	for _, p := range []diskmap.Progress{
		{Op: diskmap.OpCompact, Done: 0, Total: 40}, {Op: diskmap.OpCompact, Done: 40, Total: 40},
		{Op: diskmap.OpCompact, Done: 0, Total: 60}, {Op: diskmap.OpCompact, Done: 30, Total: 60},
	} {
		m.report(p)
	}
	m.own(diskmap.OpCompact, 1, 2) // the library reports compactions: the tool's count is left out
	m.finish()
	out := b.String()
	for _, want := range []string{"compacting, shard 1/2 100%", "(40/40", "compacting, shard 2/2   0%", "(0/60"} {
		if !strings.Contains(out, want) {
			t.Errorf("the meter drew %q, want %q in it", out, want)
		}
	}
	if strings.Contains(out, "(1/2") || strings.Contains(out, "(60/60") || !strings.HasSuffix(out, "\n") {
		t.Errorf("the meter drew %q: the tool's count, a run that did not end drawn full, or no end of line", out)
	}
	b.Reset()
	m = newMeter(&b, true)
	m.setShards(2)
	m.own(diskmap.OpBackup, 0, 100)
	m.own(diskmap.OpBackup, 100, 100)
	m.finish()
	if out := b.String(); !strings.Contains(out, "backing up 100%") {
		t.Errorf("the meter drew %q for the tool's count of a backup, want no shard", out)
	}
	none := newMeter(&b, false)
	if none.progressFunc() != nil {
		t.Error("off a terminal the map gets an Options.Progress")
	}
	none.own(diskmap.OpExport, 1, 0)
	none.finish()
}

// A run of total 0, an empty shard, reports (0, 0) twice: its start and
// its end, one run.
func TestMeterCountsEmptyRunsOnce(t *testing.T) {
	var b bytes.Buffer
	m := newMeter(&b, true)
	m.setShards(3)
	for _, p := range []diskmap.Progress{
		{Op: diskmap.OpCheck}, {Op: diskmap.OpCheck},
		{Op: diskmap.OpCheck, Total: 16}, {Op: diskmap.OpCheck, Done: 16, Total: 16},
		{Op: diskmap.OpCheck, Total: 16},
	} {
		m.report(p)
	}
	m.finish()
	if out := b.String(); !strings.Contains(out, "checking, shard 3/3") || strings.Contains(out, "shard 4/3") {
		t.Errorf("the meter drew %q, want 3 runs", out)
	}
}

// Off a terminal the long verbs write nothing on stderr.
func TestNoProgressOffATerminal(t *testing.T) {
	dir := shardedMap(t, 10)
	for _, args := range [][]string{{"dump", dir}, {"check", dir}, {"compact", dir}, {"recover", dir},
		{"export", "-o", filepath.Join(t.TempDir(), "e"), dir}, {"backup", dir, filepath.Join(t.TempDir(), "b")}} {
		ok(t, "", args...) // ok fails the test on any stderr
	}
	ok(t, `{"key":"x","value":1}`, "load", dir)
	ok(t, ok(t, "", "export", dir), "import", "-key", "string", "-value", "int64", filepath.Join(t.TempDir(), "i"))
}
