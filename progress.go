package diskmap

import (
	"context"
	"log/slog"
	"time"
)

// Progress is how far a long operation has come, as Options.Progress is
// told it.
type Progress struct {
	Op    Op    // the operation
	Done  int64 // how much of it is done, in its unit (see Op)
	Total int64 // how much there is in all; Done == Total at the end
}

// Op names an operation that reports its progress.
type Op string

// The operations that report progress, and their unit.
const (
	OpCompact Op = "compact" // keys copied into the new files, of the keys stored
	OpCheck   Op = "check"   // slots of the table checked, of all its slots
	OpRecover Op = "recover" // slots of the table rebuilt, of all its slots
	OpBackup  Op = "backup"  // bytes of files copied, of the bytes to copy: after each file
	OpExport  Op = "export"  // keys written, of the keys stored (expired ones are not written)
	OpImport  Op = "import"  // records applied; Total is 0 until the end, when it is Done
)

// progress reports one operation's progress to Options.Progress. A nil
// *progress, what start returns without a callback, reports nothing.
type progress struct {
	fn          func(Progress)
	op          Op
	total, next int64
	step        int64
}

// startProgress starts reporting op, of total units, and reports its
// start.
func (c *core) startProgress(op Op, total int64) *progress {
	if c.opts.Progress == nil {
		return nil
	}
	p := &progress{fn: c.opts.Progress, op: op, total: total, step: max(total/128, 1)}
	if total == 0 {
		p.step = 1 << 16 // a total not known: every so many units
	}
	p.report(0)
	return p
}

// at reports that done units are done, if that is a step past the last
// report.
func (p *progress) at(done int64) {
	if p != nil && done >= p.next {
		p.report(done)
	}
}

// end reports the operation done: all of its total.
func (p *progress) end() {
	if p != nil {
		p.fn(Progress{Op: p.op, Done: p.total, Total: p.total})
	}
}

// endAt reports the operation done at done units, of a total not known
// before: done is the total.
func (p *progress) endAt(done int64) {
	if p != nil {
		p.total = done
		p.end()
	}
}

func (p *progress) report(done int64) {
	p.next = done + p.step
	p.fn(Progress{Op: p.op, Done: done, Total: p.total})
}

// Recovery is what the last Open did to recover a map that was not
// closed cleanly (see package layout, Recover). Stats.Recovery has it.
type Recovery struct {
	Ran  bool          // whether the last Open recovered the map; if not, the rest is zero
	Took time.Duration // how long the recovery took
	// KeysFound and ValuesFound are the bytes of records that the walks
	// of the arenas found past the ends the last header recorded, the
	// writes since the last Sync (DurabilityOS); in the WAL modes the
	// arenas are cut back to the last checkpoint instead, and they are 0.
	KeysFound, ValuesFound int64
	Keys                   int   // keys the rebuilt table holds, before the log's frames are replayed
	Dropped                int   // slots dropped: their records were not whole, or their key was in another slot
	Frames                 int   // frames of the log replayed
	LogBytes               int64 // bytes of the log replayed
	GrowingTable           bool  // the table was growing: both tables were read
}

// logInfo logs an event at Info level to Options.Logger, if it is set.
func (c *core) logInfo(msg string, args ...any) { c.logAt(slog.LevelInfo, msg, args...) }

// logDebug logs an event at Debug level to Options.Logger, if it is set.
func (c *core) logDebug(msg string, args ...any) { c.logAt(slog.LevelDebug, msg, args...) }

func (c *core) logAt(level slog.Level, msg string, args ...any) {
	if l := c.opts.Logger; l != nil {
		l.Log(context.Background(), level, msg, append([]any{"dir", c.dir}, args...)...)
	}
}
