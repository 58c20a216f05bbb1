package diskmap

import (
	"sync"
	"sync/atomic"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// background runs, in a goroutine of its own, the slow work on mappings
// and files that a write hands off because nothing it goes on with waits
// for it:
//
//   - unmapping the mappings the map has replaced by larger ones: for a
//     mapping of a few hundred MiB whose pages were touched, tens of
//     milliseconds, its page tables torn down page by page;
//   - prefaulting the pages a writer is about to write first: the arenas
//     just past their ends, the next table whole once it is prepared (see
//     prepare.go and mmap.Region.Prefault): the kernel makes a thread that
//     dirties pages pay, every 8 MiB or so, for its accounting of dirty
//     pages, one to ten milliseconds each time on a loaded machine;
//   - allocating the arenas ahead of their records (see arena.ahead): a
//     fallocate of a few MiB, which waited up to a quarter of a second
//     for the file system's free-space bitmaps on a busy disk.
//
// Jobs run one at a time, in the order they came, and after each the
// goroutine's thread yields its CPU to any thread waiting for it
// (mmap.Yield). Without that, on a machine of two cores, the kernel let
// the thread run its whole time slice, prefault after prefault, while the
// thread waiting behind it was the one that was to run the writer's
// goroutine again once the Go scheduler had preempted it, as it preempts
// every goroutine that runs for 10 ms: the writer's Put waited 2 to 3 ms
// with the other core idle (bench/RESULTS.md, "The writer's goroutine waits
// behind the background's thread").
//
// A prefault is a job for each prefaultChunk, each queueing the next as it
// ends, so that the jobs queued meanwhile (an arena's prefault, which its
// writer soon needs) wait for one chunk, not for a whole table. So a
// mapping may be unmapped between the chunks of a prefault of it: the
// chunks after that do nothing (an unmapped Region refuses a prefault).
// drain waits for them all, prefaults cut short, before anything unmaps a
// mapping itself (a Close, a Compact, a table installed by installTable).
// The install of a grown table (install.go) runs in a goroutine of its
// own, and the preparing of the next table (prepare.go) in another, which
// drain waits for too.
type background struct {
	mu      sync.Mutex
	queue   []func()
	running bool
	wg      sync.WaitGroup // the goroutine running the queue, and installs
	epoch   atomic.Uint64  // raised by drain: prefaults queued before it do nothing
}

// run queues job. A nil background runs it at once.
func (b *background) run(job func()) {
	if b == nil {
		job()
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queue = append(b.queue, job)
	if !b.running {
		b.running = true
		b.wg.Add(1)
		go b.loop()
	}
}

// loop runs the queue until it is empty.
func (b *background) loop() {
	defer b.wg.Done()
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		job := b.queue[0]
		b.queue = b.queue[1:]
		b.mu.Unlock()
		job()
		mmap.Yield()
	}
}

// unmap unmaps regs. Nothing may read them from now on: they are mappings
// that a write has replaced, and a view into them that a caller kept was
// made invalid by that write (see package diskmap, Views). Once unmapped,
// such a view faults rather than reading anything else.
func (b *background) unmap(regs ...*mmap.Region) {
	b.run(func() { unmapInParts(regs) })
}

// unmapAll unmaps regs. munmap fails only when given a range that is not a
// mapping, which a Region always is: there is nothing to report.
func unmapAll(regs []*mmap.Region) {
	for _, r := range regs {
		_ = r.Unmap() // see above
	}
}

// unmapInParts unmaps regs, their pages dropped dropChunk at a time first
// (see mmap.Region.DropPages): so that a writer that maps meanwhile, as an
// arena growing in place does, waits for one part at most, not for the
// tearing down of a whole mapping of hundreds of MiB. Dropping pages of
// a shared mapping loses nothing; a failure to drop them leaves them for
// the unmapping.
func unmapInParts(regs []*mmap.Region) {
	for _, r := range regs {
		for off := 0; off < len(r.Bytes()); off += dropChunk {
			if r.DropPages(off, dropChunk) != nil {
				break
			}
		}
	}
	unmapAll(regs)
}

// dropChunk is how many bytes of a mapping unmapInParts drops at a time.
const dropChunk = 4 << 20

// prefaultChunk is how much one prefault maps in at a time, before it
// looks whether drain has cut it short: a prefault holds the process's
// lock on its mappings shared while it runs, and a writer that maps (an
// arena growing in place) waits for it, so it is kept short, a few hundred
// microseconds.
const prefaultChunk = 256 << 10

// prefault maps in the pages of [off, off+n) of r (see mmap.Region.Prefault),
// for writing or for reading, unless a drain comes first. A nil background
// does nothing: prefaulting is worth it only beside the writer. Where the
// system cannot prefault it does nothing either, and the first touch of a
// page maps it in as it always does.
func (b *background) prefault(r *mmap.Region, off, n int, write bool) {
	if b != nil {
		b.prefaultSince(b.epoch.Load(), r, off, n, write)
	}
}

// prefaultSince is prefault for a caller that read b.epoch before: a
// goroutine beside the writer, which the writer's drain since then must
// cut short too.
func (b *background) prefaultSince(epoch uint64, r *mmap.Region, off, n int, write bool) {
	var from func(at int)
	from = func(at int) {
		b.run(func() {
			if b.epoch.Load() != epoch || r.Prefault(at, min(prefaultChunk, off+n-at), write) != nil {
				return // cut short, unsupported, unmapped or past the file: the writer faults them in itself
			}
			if at+prefaultChunk < off+n {
				from(at + prefaultChunk)
			}
		})
	}
	from(off)
}

// drain cuts short the prefaults queued so far and waits for the rest of
// the work, so that the caller may unmap what it likes.
func (b *background) drain() {
	b.epoch.Add(1)
	b.wg.Wait()
}
