package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
	"github.com/diskmap-go/diskmap/concurrent"
)

// binary is the tool, built once by TestMain; every test runs it.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "diskmap-tool")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "diskmap")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building the tool: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	_ = os.RemoveAll(dir) // a temporary directory: nothing to lose
	os.Exit(code)
}

// result is what one run of the tool did.
type result struct {
	stdout, stderr string
	code           int
}

// tool runs the tool with args and stdin as its standard input.
func tool(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running diskmap %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// ok runs the tool and fails the test unless it exits 0 with nothing on
// stderr; it returns stdout.
func ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := tool(t, stdin, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("diskmap %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// fails runs the tool and fails the test unless it exits with code and
// one line on stderr that contains want; it returns that line.
func fails(t *testing.T, code int, want string, stdin string, args ...string) string {
	t.Helper()
	r := tool(t, stdin, args...)
	if r.code != code {
		t.Fatalf("diskmap %s: exit %d, want %d; stderr %q", strings.Join(args, " "), r.code, code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("diskmap %s: stderr %q, want one line", strings.Join(args, " "), r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Fatalf("diskmap %s: stderr %q, want it to say %q", strings.Join(args, " "), r.stderr, want)
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Fatalf("diskmap %s: a stack trace: %q", strings.Join(args, " "), r.stderr)
	}
	return r.stderr
}

// stringMap returns the directory of a diskmap.Map of strings holding
// pairs, made with the library and closed.
func stringMap(t *testing.T, pairs ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "m")
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := m.Put(pairs[i], pairs[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shardedMap returns the directory of a concurrent.Map of 4 shards from
// string to int64 holding n keys, "k0" to 0 and so on, made and closed.
func shardedMap(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "c")
	m, err := concurrent.Open[string, int64](dir, &concurrent.Options{Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := m.Put(fmt.Sprintf("k%d", i), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUnknownVerb(t *testing.T) {
	fails(t, 2, `unknown verb "frobnicate"`, "", "frobnicate")
}

func TestNoVerbPrintsTheVerbs(t *testing.T) {
	r := tool(t, "")
	if r.code != 2 || !strings.Contains(r.stderr, "stats") {
		t.Fatalf("exit %d, stderr %q: want 2 and the list of verbs", r.code, r.stderr)
	}
}

func TestHelpListsEveryVerb(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		out := ok(t, "", args...)
		for _, cmd := range commands {
			if !strings.Contains(out, "  "+cmd.name+" ") {
				t.Errorf("diskmap %s does not list %s:\n%s", args[0], cmd.name, out)
			}
		}
	}
}

// Every verb answers -help, --help and help VERB with its usage line and
// an example, on stdout, and exits 0.
func TestEveryVerbHasHelpWithAnExample(t *testing.T) {
	for _, cmd := range commands {
		for _, args := range [][]string{{cmd.name, "-help"}, {cmd.name, "--help"}, {"help", cmd.name}} {
			out := ok(t, "", args...)
			if !strings.Contains(out, "Usage: diskmap "+cmd.name) || !strings.Contains(out, "Example:\n  diskmap "+cmd.name) {
				t.Errorf("diskmap %s:\n%s\nwant a usage line and an example", strings.Join(args, " "), out)
			}
		}
	}
}

func TestUnknownFlag(t *testing.T) {
	fails(t, 2, "flag provided but not defined: -nope", "", "stats", "-nope", "dir")
}

func TestWrongNumberOfArguments(t *testing.T) {
	fails(t, 2, "want DIR, got 0 arguments", "", "stats")
}

func TestNoMap(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Join(dir, "absent")} {
		fails(t, 2, "no map here", "", "stats", d)
	}
}

// A map another process holds gets one line saying who: a writer, by the
// process id it wrote into the lock file, or readers. Here the test's
// process holds it.
func TestMapInUse(t *testing.T) {
	dir := stringMap(t, "a", "1")
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	}()
	held := fmt.Sprintf("%s: the map is in use: process %d has it open for writing", dir, os.Getpid())
	fails(t, 2, held+" (-wait DURATION waits for it)\n", "", "stats", dir)
	fails(t, 2, held+" (waited 20ms)\n", "", "get", "-wait", "20ms", dir, "a")
}

// A write to a map other processes read gets a line that says so, as
// does a read of a concurrent.Map another process writes.
func TestMapInUseByAnother(t *testing.T) {
	dir := stringMap(t, "a", "1")
	m, err := diskmap.Open[string, string](dir, &diskmap.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }() // read only
	fails(t, 2, dir+": the map is in use: other processes have it open for reading (-wait", "", "put", dir, "a", "2")
	ok(t, "", "get", dir, "a") // readers share it

	cdir := shardedMap(t, 5)
	c, err := concurrent.Open[string, int64](cdir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}()
	fails(t, 2, fmt.Sprintf("%s: the map is in use: process %d has it open for writing", cdir, os.Getpid()), "", "dump", cdir)
}

// With -wait a verb waits for the map until the process that holds it
// closes it.
func TestWaitForAMapInUse(t *testing.T) {
	dir := stringMap(t, "a", "1")
	m, err := diskmap.Open[string, string](dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "put", "-wait", "1m", dir, "a", "2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // most likely the put is waiting by now; if not, it finds the map free
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("put -wait: %v, stderr %q", err, stderr.String())
	}
	if got := ok(t, "", "get", dir, "a"); got != "2\n" {
		t.Errorf("get after put -wait = %q", got)
	}
}

// With -v the library's log goes to stderr, as text, down to Debug.
func TestVerbosePrintsTheLibrarysLog(t *testing.T) {
	dir := stringMap(t, "a", "1", "b", "2")
	r := tool(t, "", "compact", "-v", dir)
	if r.code != 0 || !strings.Contains(r.stderr, "level=INFO") || !strings.Contains(r.stderr, "dir="+dir) {
		t.Errorf("compact -v: exit %d, stderr %q: want the library's log of the compaction", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, dir+": 2 keys") {
		t.Errorf("compact -v printed %q on stdout", r.stdout)
	}
	crashed := crashedMap(t, 3, diskmap.DurabilityWAL)
	if r := tool(t, "", "recover", "-v", crashed); r.code != 0 || !strings.Contains(r.stderr, "level=") {
		t.Errorf("recover -v: exit %d, stderr %q: want the library's log of the recovery", r.code, r.stderr)
	}
	if out := ok(t, "", "compact", dir); !strings.HasPrefix(out, dir+": 2 keys") {
		t.Errorf("compact printed %q", out) // and, without -v, nothing on stderr
	}
}
