//go:build windows

package mmap

import (
	"errors"

	"github.com/diskmap-go/diskmap/internal/unsafebytes"
	"golang.org/x/sys/windows"
)

// sysSpace is a Space on Windows: the live mapping, placed by the system
// (see Space).
type sysSpace struct {
	live *Region
}

// mapIn maps the first length bytes of r's file where the system puts
// them: never over a retired range, which stays reserved. If the address
// space cannot be had, the process's retired ranges are given back first,
// and it tries once more.
func (s *Space) mapIn(r *Region, length, _ int) error {
	if s.sys.live != nil {
		return errors.New("the space holds a mapping already")
	}
	data, sys, err := mapFile(r.f, length, ReadOnly)
	if err != nil {
		releaseRetired()
		data, sys, err = mapFile(r.f, length, ReadOnly)
	}
	if err != nil {
		return err
	}
	r.data, r.sys, s.sys.live = data, sys, r
	return nil
}

// room returns r's length: a view cannot grow in place.
func (s *Space) room(r *Region) int { return len(r.data) }

// grow is never called: room leaves no room to grow.
func (s *Space) grow(*Region, int) error { return errors.ErrUnsupported }

// retire unmaps r and reserves its range again at once, inaccessible, for
// the process to keep (see Space for the instant between the two).
func (s *Space) retire(r *Region) error {
	b := unsafebytes.Mapped(unsafebytes.Pointer(r.data), roundPage(len(r.data))) // its whole pages
	s.sys.live = nil
	if err := r.unmap(); err != nil {
		return err
	}
	if _, err := windows.VirtualAlloc(unsafebytes.Addr(b), uintptr(len(b)), windows.MEM_RESERVE, windows.PAGE_NOACCESS); err == nil {
		keepRetired(b)
	}
	return nil
}

// detach retires r, the live mapping, at once, as Unmap would: on Windows
// a mapping has no room to grow in place, so every growth moves it, and
// its retirement stays where it was, with the move.
func (s *Space) detach(r *Region) {
	_ = r.Unmap() // an unmapping that fails leaves the range lost, reserved or not: as retire
	r.space = nil
}

// close retires the live mapping, if any: every range is handed to the
// process as it is retired.
func (s *Space) close() error {
	if s.sys.live == nil {
		return nil
	}
	return s.sys.live.Unmap()
}

// release gives the reserved range b back to the system.
func release(b []byte) error {
	return windows.VirtualFree(unsafebytes.Addr(b), 0, windows.MEM_RELEASE)
}
