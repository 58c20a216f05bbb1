package diskmap

import (
	"sync"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// background runs, in goroutines of their own, the slow work that a write
// hands off because nothing it goes on with waits for it: unmapping the
// mappings that the map has replaced by larger ones. Unmapping a mapping
// of a few hundred MiB whose pages have been touched takes tens of
// milliseconds, its page tables torn down page by page; the write that
// replaced it has no need to wait for that. Close waits for all of it.
type background struct {
	wg sync.WaitGroup
}

// unmap unmaps regs in a goroutine. Nothing may read them from now on:
// they are mappings that a write has replaced, and a view into them that a
// caller kept was made invalid by that write (see package diskmap, Views).
// Once unmapped, such a view faults rather than reading anything else.
//
// A nil background unmaps at once.
func (b *background) unmap(regs ...*mmap.Region) {
	if b == nil {
		unmapAll(regs)
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		unmapAll(regs)
	}()
}

// unmapAll unmaps regs. munmap fails only when given a range that is not a
// mapping, which a Region always is: there is nothing to report.
func unmapAll(regs []*mmap.Region) {
	for _, r := range regs {
		_ = r.Unmap() // see above
	}
}

// wait returns once all the work handed off so far is done.
func (b *background) wait() { b.wg.Wait() }
