package diskmap

import (
	"fmt"
	"math/bits"

	"github.com/diskmap-go/diskmap/layout"
)

// The limits of this platform: how large a map's files may be, so that
// they can be mapped.
//
// A 64-bit system maps anything the format allows. A 32-bit one has at
// most 4 GiB of address space, often 2 or 3 GiB, to share with the Go
// heap: there an arena is at most 256 MiB, since each is mapped twice
// (read-only and read-write), and the table at most 2^24 slots (256 MiB).
// That is 1.25 GiB of mappings for the largest map, and an eighth of an
// arena more for each read-only mapping's room to grow in place (see
// span), under 1.5 GiB while a second table is mapped beside it (the new
// one, as the table grows; the spare, as a checkpoint in the WAL modes
// writes the table into it); Compact maps its new files beside the old
// ones, which adds as much again at most. The process keeps up to 128 MiB
// of retired mappings besides (see mmap.RetiredLimits).
var maxArena, maxLog2 = limits(bits.UintSize)

// limits returns the largest arena file, in bytes, and the largest table,
// as the log2 of its slots, for a system whose pointers have the given
// number of bits.
func limits(pointerBits int) (int64, uint8) {
	if pointerBits == 32 {
		return 256 << 20, 24
	}
	return layout.MaxArenaSize, layout.MaxLog2
}

// fits returns ErrTooLarge if n more bytes would take the arena past
// maxArena: that is checked before any file changes.
func (a *arena) fits(n int64) error {
	if a.end+n > maxArena {
		return fmt.Errorf("%s would pass %d bytes, the most an arena may have %s: %w", a.path, maxArena, platform(), ErrTooLarge)
	}
	return nil
}

// platform names the platform whose limits apply, for errors.
func platform() string {
	return fmt.Sprintf("on a %d-bit system", bits.UintSize)
}
