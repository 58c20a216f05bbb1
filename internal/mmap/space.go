package mmap

import (
	"errors"
	"fmt"
	"os"
)

// A Space is address space set aside for the read-only mappings of one
// file after another: the mappings of an arena, which is mapped again when
// it outgrows its room and replaced by a new file at each compaction.
// Callers hold slices of these mappings (views), and may keep one past the
// mapping's end by mistake; a Space makes sure that such a slice faults
// rather than reads other bytes:
//
//  1. A mapping is placed where no mapping of the Space was before.
//  2. When it is unmapped (Region.Unmap), it is retired: its range is left
//     reserved and inaccessible, so a touch faults, and it is never mapped
//     again while the Space is open.
//  3. It can grow in place (Region.Grow) while its Space has room after
//     it, so that slices of it stay good.
//  4. Past that room it moves (Space.Move): the file is mapped again in
//     new address space, and the old mapping leaves the Space, still
//     mapped, to be retired by its Unmap, which may run in another
//     goroutine: a writer that moves a mapping whose pages were read
//     need not wait for their page tables to be torn down.
//  5. Closing the Space hands the retired ranges to the process, which
//     keeps them reserved and inaccessible up to a bound (see
//     RetiredLimits), and gives the oldest back to the system past it.
//
// On Unix a Space is a span of address space reserved with mmap(2)
// (PROT_NONE, anonymous), into which files are mapped with MAP_FIXED, one
// after another, and retired by mapping PROT_NONE over them again: a touch
// raises SIGSEGV, which a Go program turns into a panic under
// debug.SetPanicOnFault. Retired ranges lie side by side in the span and
// merge into one mapping of the kernel's, so that a Space holds a few
// mappings however often it is used (on Linux, vm.max_map_count bounds
// them). A span that fills up is retired whole and a larger one reserved.
//
// Windows cannot map a file into address space reserved before without
// the placeholder calls of Windows 10 1803; there a mapping goes where the
// system puts it, and is retired by unmapping it and reserving its range
// again, inaccessible (VirtualAlloc, PAGE_NOACCESS), at once. Another
// thread of the process that maps memory in that instant could take the
// range; then it is not kept. Nor can a mapping grow in place there.
//
// A Space is not safe for concurrent use; the retired ranges of the
// process are.
type Space struct {
	sys sysSpace
}

// Map maps the first length bytes of f read-only, in s: where s has
// mapped nothing before, so that no slice of an earlier mapping sees it.
// s must hold no other mapping: Unmap the last one first. The file must be
// at least length bytes long. span is how much address space to reserve
// when s needs more: the most the mapping may grow to in place.
func (s *Space) Map(f *os.File, length, span int) (*Region, error) {
	r := &Region{space: s, f: f}
	if length <= 0 {
		return nil, fmt.Errorf("length %d, want at least 1", length)
	}
	if err := s.mapIn(r, length, max(span, length)); err != nil {
		return nil, Cause(err)
	}
	return r, nil
}

// Move maps the first length bytes of f read-only, in s, in place of r,
// the mapping s holds, which has no room to grow to length: as Map does,
// but always in address space s reserves anew (on Unix, a span of span
// bytes, or length), where it can grow in place as far as span.
//
// On Unix r leaves s still mapped and readable, its bytes those of its
// file; its Unmap retires it as it would have in s, its range left
// reserved and inaccessible, and hands it to the process's retired ranges
// with the rest of the address space reserved with it. That Unmap may run
// in another goroutine, beside any use of s; until it does, slices of r
// read its file. On Windows r is retired at once.
//
// If mapping fails, r is retired at once, and s holds no mapping.
func (s *Space) Move(r *Region, f *os.File, length, span int) (*Region, error) {
	if r.space != s {
		return nil, errors.New("not a mapping of this space")
	}
	s.detach(r)
	moved, err := s.Map(f, length, span)
	if err != nil {
		return nil, errors.Join(err, r.Unmap())
	}
	return moved, nil
}

// Close retires the mapping s holds, if any, and hands every range s
// retired to the process's retired ranges; the address space s reserved
// and never mapped is given back. s can be used again afterwards, with
// new address space.
func (s *Space) Close() error {
	if err := s.close(); err != nil {
		return Cause(err)
	}
	return nil
}

var pageSize = os.Getpagesize()

// roundPage rounds n up to whole pages.
func roundPage(n int) int { return (n + pageSize - 1) &^ (pageSize - 1) }
