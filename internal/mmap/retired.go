package mmap

import (
	"math/bits"
	"sync"
)

// retired holds the ranges that Spaces retired and handed over when they
// closed (or when a span filled up), each reserved and inaccessible,
// oldest first. A slice a caller kept past Close points into one of them,
// and faults, until the range is given back to the system.
//
// Keeping every range forever would leak address space, and on Linux a
// mapping of the kernel's each (vm.max_map_count is 65530 by default), so
// the process keeps at most retiredBytes in retiredRanges ranges: past
// either, the oldest ranges are given back (munmap, VirtualFree), and the
// system may map anything there again.
var retired struct {
	mu     sync.Mutex
	ranges [][]byte // oldest first
	bytes  int64    // their length in all
}

// The most the process keeps retired: see retired and RetiredLimits.
var retiredBytes, retiredRanges = RetiredLimits(bits.UintSize)

// RetiredLimits returns how many bytes of retired ranges, in how many
// ranges at most, a process keeps reserved on a system whose pointers have
// the given number of bits: 1 TiB in 1,024 ranges on a 64-bit system,
// where address space is plentiful; 128 MiB in 256 on a 32-bit one, whose
// 2 to 4 GiB must also hold every live mapping and the Go heap.
func RetiredLimits(pointerBits int) (bytes int64, ranges int) {
	if pointerBits == 32 {
		return 128 << 20, 256
	}
	return 1 << 40, 1024
}

// keepRetired adds b, a range reserved inaccessible, to the ranges the
// process keeps, giving the oldest back past the limits.
func keepRetired(b []byte) {
	retired.mu.Lock()
	defer retired.mu.Unlock()
	retired.ranges = append(retired.ranges, b)
	retired.bytes += int64(len(b))
	for len(retired.ranges) > retiredRanges || retired.bytes > retiredBytes {
		giveBack(1)
	}
}

// releaseRetired gives back every range the process keeps: the last resort
// of a Space that cannot reserve address space.
func releaseRetired() {
	retired.mu.Lock()
	defer retired.mu.Unlock()
	giveBack(len(retired.ranges))
}

// giveBack gives the n oldest kept ranges back to the system. The caller
// holds retired.mu.
func giveBack(n int) {
	for _, b := range retired.ranges[:n] {
		// A range that cannot be given back stays reserved and
		// inaccessible: address space lost, nothing worse.
		_ = release(b)
		retired.bytes -= int64(len(b))
	}
	retired.ranges = append(retired.ranges[:0], retired.ranges[n:]...)
}
