package main

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadClock reads the CPU time of the calling thread, to which it locks
// the goroutine.
type threadClock struct{ on bool }

func newThreadClock(on bool) threadClock {
	if on {
		runtime.LockOSThread()
	}
	return threadClock{on}
}

func (c threadClock) now() time.Duration {
	if !c.on {
		return 0
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func (c threadClock) release() {
	if c.on {
		runtime.UnlockOSThread()
	}
}
