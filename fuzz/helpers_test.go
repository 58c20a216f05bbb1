package fuzz

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// mapFiles are the files of a map directory that hold its state.
var mapFiles = []string{"buckets", "keys", "values", "wal"}

// copyMapDir copies the map files of src to dst as they are at this
// instant. Taken while the map in src is open, the copy is what a crash of
// the process would leave on disk: writes through shared mappings are in
// the page cache, so read(2) sees them.
func copyMapDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, name := range mapFiles {
		if err := copyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies from to to; a missing from is skipped.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only: closing loses nothing
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}

// failure is what a fuzz body panics with to fail the input: it runs on a
// goroutine of its own, where t.Fatal may not be called.
type failure string

// failf fails the input from inside a guarded body.
func failf(format string, args ...any) {
	panic(failure(fmt.Sprintf(format, args...)))
}

// guard runs body on a goroutine of its own and fails the test if body
// fails (failf), panics, faults or runs longer than limit. Faults
// (SIGBUS, SIGSEGV, as from reading a mapping past the end of its file)
// become panics there, so that they are reported with their stack like any
// other. A body that hangs cannot be stopped: guard fails the test with
// the stacks of every goroutine, and when fuzzing panics instead, so that
// the fuzzing engine records the input and goes on in a fresh process.
func guard(t *testing.T, limit time.Duration, body func()) {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		debug.SetPanicOnFault(true)
		defer func() {
			switch p := recover().(type) {
			case nil:
				done <- ""
			case failure:
				done <- string(p)
			default:
				done <- fmt.Sprintf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		body()
	}()
	select {
	case msg := <-done:
		if msg != "" {
			t.Fatal(msg)
		}
	case <-time.After(limit):
		msg := fmt.Sprintf("the input still runs after %v: a hang", limit)
		if fuzzing() {
			debug.SetTraceback("all")
			panic("fuzz: " + msg)
		}
		stacks := make([]byte, 1<<20)
		t.Fatalf("%s\n%s", msg, stacks[:runtime.Stack(stacks, true)])
	}
}

// fuzzing reports whether the test runs with -fuzz, rather than only
// running the seed corpus.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// input hands out the bytes of a fuzz input in order. Past the end it
// hands out zeros; empty reports that it got there.
type input struct{ b []byte }

func (in *input) empty() bool { return len(in.b) == 0 }

func (in *input) byte() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

func (in *input) uint16() uint16 {
	return binary.LittleEndian.Uint16([]byte{in.byte(), in.byte()})
}

// bytes returns the next n bytes, fewer at the end.
func (in *input) bytes(n int) []byte {
	n = min(n, len(in.b))
	p := in.b[:n:n]
	in.b = in.b[n:]
	return p
}

// fakeClock is a clock for Options.Clock that moves only when the input
// moves it.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

// Now is the clock's time.
func (c *fakeClock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Advance moves the clock on by d.
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
