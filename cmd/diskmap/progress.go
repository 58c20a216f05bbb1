package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// stderrIsTerminal reports whether stderr is a terminal: only then do the
// long verbs draw a progress bar, on stderr, so that what they print on
// stdout, and whatever stderr goes to otherwise, stays plain.
func stderrIsTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }

// A progress shows how far a long verb has come. The library reports no
// progress of its own: a bar counts what the tool itself walks (the
// entries of dump, the bytes load reads), and a verb the library does in
// one call (compact, check) shows a spinner that says only that it is
// still at work. A nil *progress, for output that is not a terminal,
// shows nothing.
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
	return &progress{bar: progressbar.NewOptions64(total, opts...), w: w}
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

// spin shows a spinner for what while fn runs, and returns fn's error.
func spin(c *call, what string, fn func() error) error {
	p := newProgress(c.stderr, c.progress, -1, what, false)
	err := fn()
	p.done()
	return err
}
