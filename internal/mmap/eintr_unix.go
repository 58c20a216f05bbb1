//go:build unix

package mmap

import "golang.org/x/sys/unix"

// ignoringEINTR retries fn while a signal interrupts it. The Go runtime
// sends signals of its own (goroutine preemption), so any slow system call
// can see EINTR.
func ignoringEINTR(fn func() error) error {
	for {
		err := fn()
		if err != unix.EINTR {
			return err
		}
	}
}
