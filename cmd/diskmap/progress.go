package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// stderrIsTerminal reports whether stderr is a terminal: only then do the
// long verbs draw a progress bar, on stderr, so that what they print on
// stdout, and whatever stderr goes to otherwise, stays plain.
func stderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }

// A progress shows how far a walk of the tool's own has come: the entries
// dump writes, the bytes load reads. A nil *progress, for output that is
// not a terminal, shows nothing.
type progress struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

// newProgress returns a progress on w, nil unless on is set: a bar to
// total, or a spinner when total is -1. bytes says the count is of bytes.
func newProgress(w io.Writer, on bool, total int64, what string, bytes bool) *progress {
	if !on {
		return nil
	}
	return &progress{bar: newBar(w, total, what, bytes), w: w}
}

// newBar returns a bar on w to total, or a spinner when total is -1.
func newBar(w io.Writer, total int64, what string, bytes bool) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	}
	switch {
	case bytes:
		opts = append(opts, progressbar.OptionShowBytes(true))
	case total >= 0:
		opts = append(opts, progressbar.OptionShowCount())
	}
	if total < 0 {
		opts = append(opts, progressbar.OptionSpinnerType(14))
	}
	return progressbar.NewOptions64(total, opts...)
}

// add counts n more done.
func (p *progress) add(n int) {
	if p != nil {
		_ = p.bar.Add(n) // drawing on a terminal: a failure to draw is no failure of the verb
	}
}

// done ends the bar, on a line of its own.
func (p *progress) done() {
	if p != nil {
		_ = p.bar.Finish()       // as in add
		_, _ = fmt.Fprintln(p.w) // as in add
	}
}

// A meter draws what the library reports through Options.Progress: a bar
// of each operation (compact, check, recover, ...) with its real Done and
// Total, on a line of its own. The operations of a concurrent.Map run
// shard by shard, each reporting from 0 to its own total: the bar starts
// again for each, and says which shard it is at. Where the library
// reports nothing of an operation, the tool may report what it sees of
// it itself (own). A nil *meter, for output that is not a terminal, draws
// nothing, and the map gets no Options.Progress.
type meter struct {
	w      io.Writer
	shards int // the map's shards, once it is open; 0 for a diskmap.Map

	mu    sync.Mutex // guards what follows: reports come from the map's goroutines
	op    diskmap.Op // the operation the bar is of
	run   int        // runs of op so far: one a shard
	ended bool       // the run of op reported its end
	zero  bool       // a run of total 0 reported its start, (0, 0), and its end is the same report
	tools bool       // the bar is of the tool's own count, over the whole map
	bar   *progressbar.ProgressBar
	lib   map[diskmap.Op]bool // operations the library has reported
}

// newMeter returns a meter on w, nil unless on is set.
func newMeter(w io.Writer, on bool) *meter {
	if !on {
		return nil
	}
	return &meter{w: w, lib: make(map[diskmap.Op]bool)}
}

// progressFunc returns the Options.Progress of the map: nil without a
// meter, so that the library does not count for nothing.
func (m *meter) progressFunc() func(diskmap.Progress) {
	if m == nil {
		return nil
	}
	return m.report
}

// report draws one report of the library.
func (m *meter) report(p diskmap.Progress) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lib[p.Op] = true
	m.draw(p, false)
}

// own draws a report of the tool's, of an operation the library does not
// report: done of total (0 if not known) bytes. Once the library reports
// the operation, the tool's reports are left out.
func (m *meter) own(op diskmap.Op, done, total int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.lib[op] {
		m.draw(diskmap.Progress{Op: op, Done: done, Total: total}, true)
	}
}

// draw moves the bar to p, starting a new one for a new operation or a
// new run of it. bytes says the count is the tool's own, of bytes.
func (m *meter) draw(p diskmap.Progress, bytes bool) {
	switch {
	case m.bar == nil || p.Op != m.op:
		m.end()
		m.op, m.run, m.tools = p.Op, 1, bytes
		m.start(p.Total, bytes || inBytes[p.Op])
	case m.ended && p.Done == 0:
		m.run++
		m.start(p.Total, bytes || inBytes[p.Op])
	case p.Total > 0 && p.Total != m.bar.GetMax64():
		m.bar.ChangeMax64(p.Total) // the tool's count learned its total at the end
	}
	if p.Total == 0 {
		m.ended, m.zero = m.zero, !m.zero
	} else {
		m.ended, m.zero = p.Done == p.Total, false
	}
	_ = m.bar.Set64(p.Done) // drawing on a terminal: a failure to draw is no failure of the verb
}

// start draws a new bar for a run of m.op, over the last one's line.
func (m *meter) start(total int64, bytes bool) {
	if total <= 0 {
		total = -1 // not known: a spinner that counts
	}
	m.bar = newBar(m.w, total, m.describe(), bytes)
}

// describe says what the bar is of: the operation, and for each run of a
// concurrent.Map's, which shard of how many. A recovery runs only for the
// shards that need it, so its runs are not numbered, nor are the tool's
// counts, of the whole map.
func (m *meter) describe() string {
	what := doing[m.op]
	if what == "" {
		what = string(m.op)
	}
	if m.shards > 1 && m.op != diskmap.OpRecover && !m.tools {
		what = fmt.Sprintf("%s, shard %d/%d", what, m.run, m.shards)
	}
	return what
}

// doing names each operation on its bar.
var doing = map[diskmap.Op]string{
	diskmap.OpCompact: "compacting",
	diskmap.OpCheck:   "checking",
	diskmap.OpRecover: "recovering",
	diskmap.OpBackup:  "backing up",
	diskmap.OpExport:  "exporting",
	diskmap.OpImport:  "importing",
}

// inBytes holds the operations the library counts in bytes.
var inBytes = map[diskmap.Op]bool{diskmap.OpBackup: true, diskmap.OpImport: true}

// finish ends the last bar, on a line of its own: a verb calls it before
// it prints what it did, or fails.
func (m *meter) finish() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.end()
}

// end ends the bar: full if its run reported its end, and otherwise as
// it was last drawn, for an operation that failed.
func (m *meter) end() {
	if m.bar == nil {
		return
	}
	if m.ended {
		_ = m.bar.Finish() // as in draw
	}
	_, _ = fmt.Fprintln(m.w) // as in draw
	m.bar = nil
}

// setShards says how many shards the map has, once it is open.
func (m *meter) setShards(n int) {
	if m != nil {
		m.mu.Lock()
		m.shards = n
		m.mu.Unlock()
	}
}
