package mmap

import (
	"fmt"
	"os"
)

// Region is one mapping of a file.
//
// Flush may run while other goroutines read and write through Bytes. Unmap
// may not: the caller must make sure that nothing uses Bytes during or after
// Unmap.
type Region struct {
	data []byte // exactly as the OS returned it; nil when empty or unmapped
	sys  sysRegion

	// For a mapping in a Space: the space, and the file, to map more of
	// it in place.
	space *Space
	f     *os.File
}

// Mode is how a Region may be written.
type Mode int

const (
	// ReadOnly mappings fault on writes.
	ReadOnly Mode = iota
	// ReadWrite mappings are shared with the file: writes reach it.
	ReadWrite
	// Private mappings are copy-on-write: writes stay in this process's
	// memory and never reach the file, which the caller updates by other
	// means (WriteAt) when it chooses.
	Private
)

// Map maps the first length bytes of f in the given mode.
//
// With [Reserves], length may exceed the file's size; the part past the end
// of the file may be used only after the file has grown to cover it. Without
// Reserves, a length past the end of the file is an error. Map never changes
// the file's size. A zero length gives an empty Region and maps nothing.
func Map(f *os.File, length int, mode Mode) (*Region, error) {
	r := &Region{}
	if length < 0 {
		return nil, fmt.Errorf("negative length %d", length)
	}
	if length == 0 {
		return r, nil
	}
	data, sys, err := mapFile(f, length, mode)
	if err != nil {
		return nil, Cause(err)
	}
	r.data, r.sys = data, sys
	return r, nil
}

// Bytes returns the whole mapping, with len and cap both equal to the length
// given to Map. It returns nil once the Region is unmapped.
func (r *Region) Bytes() []byte {
	return r.data
}

// Flush writes the pages covering [off, off+n) to the file and waits until
// they are on stable storage. off need not be page-aligned.
func (r *Region) Flush(off, n int) error {
	if off < 0 || n < 0 || off > len(r.data)-n {
		return fmt.Errorf("range [%d, %d+%d) outside a %d-byte mapping", off, off, n, len(r.data))
	}
	if n == 0 {
		return nil
	}
	if err := r.flush(off, n); err != nil {
		return Cause(err)
	}
	return nil
}

// Room returns how long the mapping can grow without moving (see Grow):
// its length, or for a mapping in a Space the room left after it there.
func (r *Region) Room() int {
	if r.space != nil && r.data != nil {
		return r.space.room(r)
	}
	return len(r.data)
}

// Grow makes the mapping cover the first length bytes of its file, which
// must be that long, without moving it: slices taken from Bytes before
// stay good, and Bytes returns length bytes from then on. length must be
// at most Room; a mapping not in a Space covers its length already, and
// Grow changes nothing. If mapping more fails, the mapping is as it was.
func (r *Region) Grow(length int) error {
	switch {
	case length <= len(r.data):
		return nil
	case length > r.Room():
		return fmt.Errorf("to %d bytes: room for %d in place", length, r.Room())
	}
	if err := r.space.grow(r, length); err != nil {
		return fmt.Errorf("to %d bytes: %w", length, Cause(err))
	}
	return nil
}

// Unmap removes the mapping. Calling it again does nothing. Afterwards Bytes
// returns nil, and any slice taken from Bytes before must not be touched.
// A mapping in a Space, or one a move took out of it (Space.Move), is
// retired instead: its range stays reserved and inaccessible (see Space),
// so touching such a slice faults.
func (r *Region) Unmap() error {
	if r.data == nil {
		return nil
	}
	var err error
	if r.space != nil {
		err = r.space.retire(r)
	} else {
		err = r.retireOrUnmap()
	}
	// Forget the mapping even on error: the memory may be gone, and a later
	// touch through Bytes must not fault.
	r.data = nil
	if err != nil {
		return Cause(err)
	}
	return nil
}
