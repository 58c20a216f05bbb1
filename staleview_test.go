//go:build unix

package diskmap_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/internal/maptest"
	"github.com/diskmap-go/diskmap/internal/unsafebytes"
)

// A view kept past the change that ends it must fault when read, never
// read other bytes: the address space of the mappings a map leaves behind
// stays reserved and inaccessible. Each test reads the stale view in a
// child process, since the fault kills it unless it catches it with
// debug.SetPanicOnFault.

// staleCatchEnv, when set, makes the child catch the fault and say where
// it was.
const staleCatchEnv = "DISKMAP_STALE_CATCH"

// staleKeys is how many keys a child puts before it takes its view, of
// staleKey.
const (
	staleKeys = 1000
	staleKey  = "k0950"
)

// staleMoveBytes is a size the values file grows past only by moving its
// read-only mapping: more than the 128 MiB of address space a 64-bit
// system first sets aside for it, and the eighth more of a 32-bit one.
const staleMoveBytes = 140 << 20

func staleKeyAt(i int) string   { return fmt.Sprintf("k%04d", i) }
func staleValueAt(i int) string { return fmt.Sprintf("value%05d", i) }

// staleEnds are the changes that end a view and leave it unreadable: the
// child takes its view, runs one, and reads the view.
var staleEnds = []struct {
	name string
	opts diskmap.Options
	end  func(m *diskmap.Map[string, string], dir string) error
}{
	// Compact after deleting 50 keys.
	{name: "compact", end: func(m *diskmap.Map[string, string], _ string) error {
		return deleteThenCompact(m, 50)
	}},
	// Compact after deleting all but 10 keys: the new values file is far
	// shorter than the offset of the view.
	{name: "compact-shrinks", end: func(m *diskmap.Map[string, string], _ string) error {
		return deleteThenCompact(m, staleKeys-10)
	}},
	// Deletes, one of which compacts the map first by itself.
	{name: "autocompact", opts: diskmap.Options{CompactMinBytes: 1}, end: func(m *diskmap.Map[string, string], _ string) error {
		for i := 0; m.Stats().AutoCompactions == 0; i++ {
			if i == staleKeys {
				return errors.New("no delete compacted the map")
			}
			if _, err := m.Delete(staleKeyAt(i)); err != nil {
				return err
			}
		}
		return nil
	}},
	// Puts that grow the values file past the room of its read-only
	// mapping, which moves; the old mapping is retired in the background,
	// which the child waits for.
	{name: "move", end: func(m *diskmap.Map[string, string], _ string) error {
		size := m.Stats().Values.Size
		big := strings.Repeat("v", 1<<20)
		for i := 0; m.Stats().Values.Size < staleMoveBytes; i++ {
			if err := m.Put(fmt.Sprintf("big%04d", i), big); err != nil {
				return err
			}
		}
		if m.Stats().Values.Size <= size {
			return errors.New("the values file did not grow")
		}
		diskmap.WaitBackground(m)
		return nil
	}},
	{name: "close", end: func(m *diskmap.Map[string, string], _ string) error {
		return m.Close()
	}},
	// Close, then open the same files again: they are mapped elsewhere.
	{name: "close-reopen", end: func(m *diskmap.Map[string, string], dir string) error {
		if err := m.Close(); err != nil {
			return err
		}
		m2, err := diskmap.Open[string, string](dir, nil)
		if err != nil {
			return err
		}
		if v, ok, err := m2.View(staleKey); err != nil || !ok || string(v) != staleValueAt(950) {
			return fmt.Errorf("View after reopening = %q, %v, %v", v, ok, err)
		}
		return nil // left open: the process ends
	}},
}

// deleteThenCompact deletes the first n keys and compacts the map.
func deleteThenCompact(m *diskmap.Map[string, string], n int) error {
	for i := range n {
		if _, err := m.Delete(staleKeyAt(i)); err != nil {
			return err
		}
	}
	return m.Compact()
}

// TestStaleViewChild is the child of TestStaleView: it fills a map, takes
// a view of staleKey, prints "view", runs the change its mode names and
// reads the view. Catching the fault it prints "fault", and reading
// anything "read" and the bytes.
func TestStaleViewChild(t *testing.T) {
	mode, ok := strings.CutPrefix(os.Getenv(childEnv), "stale-")
	if !ok {
		t.Skip("runs only as the child process of TestStaleView")
	}
	dir := os.Getenv(childDirEnv)
	for _, e := range staleEnds {
		if e.name != mode {
			continue
		}
		m, err := diskmap.Open[string, string](dir, &e.opts)
		if err != nil {
			childFail("Open: %v", err)
		}
		for i := range staleKeys {
			if err := m.Put(staleKeyAt(i), staleValueAt(i)); err != nil {
				childFail("Put: %v", err)
			}
		}
		v, ok, err := m.View(staleKey)
		if err != nil || !ok || string(v) != staleValueAt(950) {
			childFail("View = %q, %v, %v", v, ok, err)
		}
		fmt.Println("view")
		if err := e.end(m, dir); err != nil {
			childFail("%s: %v", mode, err)
		}
		fmt.Println(readStale(v, os.Getenv(staleCatchEnv) != ""))
		os.Exit(0)
	}
	childFail("no mode %q", mode)
}

// childFail prints an error for the parent and ends the child.
func childFail(format string, args ...any) {
	fmt.Printf("error "+format+"\n", args...)
	os.Exit(3)
}

// readStale reads the view v and returns "read" and what it read, or,
// when catch is set and reading faults within v, "fault".
func readStale(v []byte, catch bool) (result string) {
	if catch {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			switch e := recover().(type) {
			case nil:
			case interface{ Addr() uintptr }:
				start := unsafebytes.Addr(v)
				result = "fault"
				if e.Addr() < start || e.Addr() >= start+uintptr(len(v)) {
					result = fmt.Sprintf("fault at %#x, outside the view at %#x", e.Addr(), start)
				}
			default:
				panic(e)
			}
		}()
	}
	return fmt.Sprintf("read %q", string(v))
}

// runStaleChild runs the child test with the environment given and returns
// its output and how it ended.
func runStaleChild(t *testing.T, test string, env ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := maptest.ChildCommand(ctx, test, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the child did not end in 120 s\nstdout:\n%s\nstderr:\n%s", out.Bytes(), errOut.Bytes())
	}
	return out.String(), errOut.String(), err
}

// TestStaleView reads a view kept past each change that ends it, in a
// child: catching the fault, the child must see one at the view's address;
// not catching it, it must die of SIGSEGV. Either way it reads nothing.
func TestStaleView(t *testing.T) {
	t.Parallel()
	for _, e := range staleEnds {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			env := []string{childEnv + "=stale-" + e.name, childDirEnv + "=" + filepath.Join(memDir(t), "map")}
			stdout, stderr, err := runStaleChild(t, "TestStaleViewChild", append(env, staleCatchEnv+"=1")...)
			if err != nil || stdout != "view\nfault\n" {
				t.Fatalf("catching the fault: the child ended with %v and printed %q, want %q\nstderr:\n%s", err, stdout, "view\nfault\n", stderr)
			}

			env[1] = childDirEnv + "=" + filepath.Join(memDir(t), "map")
			stdout, stderr, err = runStaleChild(t, "TestStaleViewChild", env...)
			var exit *exec.ExitError
			switch {
			case !errors.As(err, &exit):
				t.Fatalf("not catching the fault: the child exited with %v, want a crash\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
			case stdout != "view\n":
				t.Fatalf("not catching the fault: the child printed %q, want only %q\nstderr:\n%s", stdout, "view\n", stderr)
			case !strings.Contains(stderr, "SIGSEGV"):
				t.Fatalf("not catching the fault: the child died (%v) without a SIGSEGV:\n%s", err, stderr)
			}
		})
	}
}

// manyCompactions is how many times TestStaleViewsManyCompactions compacts.
const manyCompactions = 10_000

// TestStaleViewsManyCompactionsChild is the child of
// TestStaleViewsManyCompactions: it compacts a map of 100 keys
// manyCompactions times, changing a key before each, with a view taken
// before the first and one before each compaction. It prints the number
// of the process's mappings before and after, and what reading the first
// view and the one of ten compactions before the end does.
func TestStaleViewsManyCompactionsChild(t *testing.T) {
	if os.Getenv(childEnv) != "stale-many" {
		t.Skip("runs only as the child process of TestStaleViewsManyCompactions")
	}
	m, err := diskmap.Open[string, string](os.Getenv(childDirEnv), nil)
	if err != nil {
		childFail("Open: %v", err)
	}
	for i := range 100 {
		if err := m.Put(staleKeyAt(i), staleValueAt(i)); err != nil {
			childFail("Put: %v", err)
		}
	}
	view := func() []byte {
		v, ok, err := m.View(staleKeyAt(50))
		if err != nil || !ok {
			childFail("View = %q, %v, %v", v, ok, err)
		}
		return v
	}
	first, before := view(), mappings()
	var recent []byte
	for i := range manyCompactions {
		if err := m.Put(staleKeyAt(i%100), staleValueAt(i)); err != nil {
			childFail("Put: %v", err)
		}
		if i == manyCompactions-10 {
			recent = view()
		}
		if err := m.Compact(); err != nil {
			childFail("Compact %d: %v", i, err)
		}
	}
	fmt.Printf("mappings %d %d\n", before, mappings())
	fmt.Println("first", readStale(first, true))
	fmt.Println("recent", readStale(recent, true))
	os.Exit(0)
}

// mappings returns the number of mappings of the process: the lines of
// /proc/self/maps.
func mappings() int {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		childFail("%v", err)
	}
	defer func() { _ = f.Close() }() // read only
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		n++
	}
	return n
}

// A map that compacts 10,000 times keeps a bounded number of mappings (the
// ranges it retires merge), and its views of every file set fault: the
// first, on a 64-bit system, where the process keeps all of them; one of
// the last, everywhere. It runs in a child, whose mappings no other test
// changes.
func TestStaleViewsManyCompactions(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts mappings in /proc/self/maps, which only Linux has")
	}
	t.Parallel()
	stdout, stderr, err := runStaleChild(t, "TestStaleViewsManyCompactionsChild",
		childEnv+"=stale-many", childDirEnv+"="+filepath.Join(memDir(t), "map"))
	if err != nil {
		t.Fatalf("the child ended with %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	lines := strings.Split(stdout, "\n")
	var before, after int
	if _, err := fmt.Sscanf(lines[0], "mappings %d %d", &before, &after); err != nil || len(lines) < 3 {
		t.Fatalf("the child printed %q: %v\nstderr:\n%s", stdout, err, stderr)
	}
	first, recent := strings.TrimPrefix(lines[1], "first "), strings.TrimPrefix(lines[2], "recent ")
	t.Logf("%d mappings before %d compactions, %d after; the first view: %s", before, manyCompactions, after, first)
	// On a 32-bit system the spans are small and fill every few dozen
	// compactions; the process keeps up to 128 MiB of them, one mapping
	// each.
	limit := 64
	if bits.UintSize == 32 {
		limit = 300
	}
	if after > before+limit {
		t.Errorf("%d mappings after %d compactions, %d before: want at most %d more", after, manyCompactions, before, limit)
	}
	if recent != "fault" {
		t.Errorf("a view of ten compactions before the end: %s, want a fault", recent)
	}
	if bits.UintSize == 64 && first != "fault" {
		t.Errorf("a view of the first file set: %s, want a fault", first)
	}
}

// A view stays good across writes that grow the values file in place and
// the table with it: neither moves the mapping the view points into.
func TestViewSurvivesGrowth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := maptest.Open[string, string](t, dir, nil)
	if err := m.Put("kept", staleValueAt(950)); err != nil {
		t.Fatal(err)
	}
	v, ok, err := m.View("kept")
	if err != nil || !ok {
		t.Fatalf("View = %q, %v, %v", v, ok, err)
	}
	before := fileSize(t, dir, "values")
	for i := range 2000 {
		if err := m.Put(staleKeyAt(i), strings.Repeat("v", 200)); err != nil {
			t.Fatal(err)
		}
	}
	if after := fileSize(t, dir, "values"); after < 4*before {
		t.Fatalf("the values file grew from %d bytes to %d only", before, after)
	}
	if string(v) != staleValueAt(950) {
		t.Errorf("the view reads %q after the files grew, want %q", v, staleValueAt(950))
	}
}
