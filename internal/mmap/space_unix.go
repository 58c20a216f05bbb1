//go:build unix

package mmap

import (
	"errors"
	"os"

	"github.com/diskmap-go/diskmap/internal/unsafebytes"
	"golang.org/x/sys/unix"
)

// sysSpace is a Space on Unix: a span of reserved address space, filled
// from its start. Below next every page is retired or belongs to the live
// mapping; from next on nothing was ever mapped.
type sysSpace struct {
	span []byte  // reserved, PROT_NONE where no file is mapped; nil before the first Map
	next int     // offset in span of the first page never mapped
	live *Region // the mapping in span now, if any
}

// mapIn maps the first length bytes of r's file at the start of the room
// left in the span, or in a new span of at least span bytes if it does not
// fit there.
func (s *Space) mapIn(r *Region, length, span int) error {
	sp := &s.sys
	if sp.live != nil {
		return errors.New("the space holds a mapping already")
	}
	if sp.span == nil || sp.next+roundPage(length) > len(sp.span) {
		err := s.renew(roundPage(span))
		if err != nil && span > length {
			// Without the room to grow in place, as Map does without
			// its reservation.
			err = s.renew(roundPage(length))
		}
		if err != nil {
			return err
		}
	}
	at := sp.span[sp.next : sp.next+length : sp.next+length]
	if err := mapAt(r.f, 0, at); err != nil {
		// A failed MAP_FIXED may leave the range unmapped: reserve it
		// again (see grow).
		return errors.Join(err, reserveAt(sp.span[sp.next:sp.next+roundPage(length)]))
	}
	r.data, r.sys.off, sp.live = at, sp.next, r
	return nil
}

// renew retires the span, if any, and reserves a new one of size bytes. If
// the address space for it cannot be had, the process's retired ranges are
// given back first, and it tries once more.
func (s *Space) renew(size int) error {
	if err := s.close(); err != nil {
		return err
	}
	span, err := reserve(size)
	if err != nil {
		releaseRetired()
		span, err = reserve(size)
	}
	if err != nil {
		return err
	}
	s.sys.span, s.sys.next = span, 0
	return nil
}

// room returns the room in the span from the start of r.
func (s *Space) room(r *Region) int { return len(s.sys.span) - r.sys.off }

// grow maps the pages of r's file from the end of r's last page to length
// right after them, where the span has room (checked by Grow). The kernel
// merges them into r's mapping.
func (s *Space) grow(r *Region, length int) error {
	span := s.sys.span
	if from := roundPage(len(r.data)); length > from {
		at := span[r.sys.off+from : r.sys.off+length]
		if err := mapAt(r.f, int64(from), at); err != nil {
			// A failed MAP_FIXED may leave the range unmapped: reserve it
			// again, so that nothing else is mapped where r grows later.
			return errors.Join(err, reserveAt(span[r.sys.off+from:r.sys.off+roundPage(length)]))
		}
	}
	r.data = span[r.sys.off : r.sys.off+length : r.sys.off+length]
	return nil
}

// detach takes r, the live mapping, out of s with the span it lies in,
// which s no longer uses: the next mapping goes into a new span, and r's
// Unmap retires r and hands the span to the process (see retireDetached).
func (s *Space) detach(r *Region) {
	r.space, r.sys.span = nil, s.sys.span
	s.sys = sysSpace{}
}

// retireDetached retires r, detached from its Space with the span it lies
// in: it maps PROT_NONE over r's pages, gives back the part of the span
// after them, never mapped, and hands the rest to the process, as closing
// the Space would have (see close). It touches nothing of the Space's.
func (r *Region) retireDetached() error {
	span := r.sys.span
	end := r.sys.off + roundPage(len(r.data))
	err := reserveAt(span[r.sys.off:end])
	if tail := span[end:]; len(tail) > 0 {
		err = errors.Join(err, release(tail))
	}
	keepRetired(span[:end:end])
	r.sys.span = nil
	return err
}

// retire maps PROT_NONE over r's pages, which merge with the retired pages
// before them and the reserved ones after, and moves next past them: they
// are never mapped again in this span.
func (s *Space) retire(r *Region) error {
	end := r.sys.off + roundPage(len(r.data))
	err := reserveAt(s.sys.span[r.sys.off:end])
	s.sys.next, s.sys.live = end, nil
	return err
}

// close retires the live mapping, hands the retired pages to the process
// and unmaps the rest of the span, which never held a mapping.
func (s *Space) close() error {
	sp := &s.sys
	var err error
	if sp.live != nil {
		err = sp.live.Unmap()
	}
	if sp.span == nil {
		return err
	}
	if tail := sp.span[sp.next:]; len(tail) > 0 {
		err = errors.Join(err, release(tail))
	}
	if sp.next > 0 {
		keepRetired(sp.span[:sp.next:sp.next])
	}
	sp.span, sp.next = nil, 0
	return err
}

// reserve reserves size bytes of address space, inaccessible.
func reserve(size int) ([]byte, error) {
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(size), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, err
	}
	return unsafebytes.Mapped(p, size), nil
}

// reserveAt replaces whatever is mapped at b with reserved address space,
// inaccessible, in one step: at no moment is the range free for another
// mapping.
func reserveAt(b []byte) error {
	_, err := unix.MmapPtr(-1, 0, unsafebytes.Pointer(b), uintptr(len(b)), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_FIXED)
	return err
}

// mapAt maps len(b) bytes of f from off, read-only and shared, at b, in
// place of what is mapped there (reserved address space).
func mapAt(f *os.File, off int64, b []byte) error {
	_, err := unix.MmapPtr(int(f.Fd()), off, unsafebytes.Pointer(b), uintptr(len(b)), unix.PROT_READ, unix.MAP_SHARED|unix.MAP_FIXED)
	return err
}

// release gives the range b back to the system.
func release(b []byte) error {
	return unix.MunmapPtr(unsafebytes.Pointer(b), uintptr(len(b)))
}
