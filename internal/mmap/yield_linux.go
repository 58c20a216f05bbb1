package mmap

import "golang.org/x/sys/unix"

// Yield gives the CPU the calling thread runs on to a thread waiting for
// it, if one is, and returns when the kernel runs the caller again
// (sched_yield(2), which cannot fail). It is for a goroutine that works on
// mappings beside a writer, between two steps of that work: a thread that
// prefaults or drops pages spends its time in the kernel and is not
// preempted until its time slice, milliseconds, runs out, and on a machine
// with few cores the thread waiting behind it is often the one that is to
// run the writer's goroutine again after the Go scheduler preempted it.
func Yield() { _, _, _ = unix.Syscall(unix.SYS_SCHED_YIELD, 0, 0, 0) }
