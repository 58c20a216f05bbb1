// Command diskmap inspects and operates a map kept by package diskmap or
// package concurrent: a directory holding a buckets file, or a manifest
// and its shards.
//
// Usage:
//
//	diskmap VERB [flags] [arguments]
//
// The verbs are stats, check, get, put, delete, dump, load, export,
// import, backup, compact, recover and bench; `diskmap help` lists them and `diskmap VERB -help`
// shows one with an example. The codecs of a map are read from its
// header (or manifest), so the tool opens maps of every codec package
// codec names: string, bytes, the numbers, empty and msgpack.
//
// Exit status: 0 on success; 1 when check finds problems, or get or
// delete do not find their key; 2 for bad input, with one line on stderr
// that says what is wrong.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFound   = 1 // check found problems, or a key was not there
	exitTrouble = 2 // bad input: a map that cannot be used, a bad argument
)

// A command is one verb of the tool.
type command struct {
	name    string
	args    string // what follows the flags, as in "DIR KEY"
	summary string // one line for the list of verbs
	example string // a command line that uses it
	run     func(c *call, args []string) error
	ownMap  bool // it works on a temporary map of its own: no -wait or -v
}

// commands lists the verbs in the order help shows them.
var commands = []*command{
	statsCommand, checkCommand, getCommand, putCommand, deleteCommand,
	dumpCommand, loadCommand, exportCommand, importCommand, backupCommand,
	compactCommand, recoverCommand, benchCommand,
}

// A call is one run of a verb: its streams, and its flags once parsed.
type call struct {
	cmd            *command
	stdin          io.Reader
	stdout, stderr io.Writer
	flags          *flag.FlagSet
	progress       bool // stderr is a terminal: long verbs draw a bar on it

	wait    time.Duration // -wait: how long Open waits for a map in use (Options.LockTimeout)
	verbose bool          // -v: the library's log on stderr (Options.Logger), and no bars
	meter   *meter        // draws what the library reports of its progress; nil off a terminal
}

// exitError ends the tool with a status other than exitTrouble.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, stderrIsTerminal()))
}

// run runs the tool with args, the command line after the program name,
// and returns its exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, progress bool) int {
	if len(args) == 0 {
		_ = printHelp(stderr) // the status says what went wrong: no verb
		return exitTrouble
	}
	switch args[0] {
	case "help", "-help", "--help", "-h", "--h":
		return help(args[1:], stdout, stderr)
	}
	cmd := lookup(args[0])
	if cmd == nil {
		unknownVerb(stderr, args[0])
		return exitTrouble
	}
	c := &call{cmd: cmd, stdin: stdin, stdout: stdout, stderr: stderr, progress: progress}
	err := cmd.run(c, args[1:])
	c.meter.finish() // a bar left by a verb that failed
	return c.exit(err)
}

// exit prints err, if there is one, and returns the status it ends with.
func (c *call) exit(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		if err := c.usage(c.stdout); err != nil {
			return exitTrouble
		}
		return exitOK
	case errors.As(err, &ee):
		c.fail(ee.err)
		return ee.code
	}
	c.fail(err)
	return exitTrouble
}

// fail prints err as one line on stderr, after the verb. Where stderr
// fails too, the exit status is all that is left to tell.
func (c *call) fail(err error) {
	_, _ = fmt.Fprintf(c.stderr, "diskmap %s: %s\n", c.cmd.name, oneLine(err))
}

// unknownVerb prints the line for a verb that is not one; as for fail.
func unknownVerb(stderr io.Writer, verb string) {
	_, _ = fmt.Fprintf(stderr, "diskmap: unknown verb %q (diskmap help lists them)\n", verb)
}

// oneLine returns err's text on one line, without the "diskmap: " the
// library starts its messages with: the line already says it.
func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "diskmap: ", "")
	return strings.ReplaceAll(s, "\n", "; ")
}

func lookup(name string) *command {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

// help prints the list of verbs, or the usage of the verb named.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		if err := printHelp(stdout); err != nil {
			return exitTrouble
		}
		return exitOK
	}
	cmd := lookup(args[0])
	if cmd == nil {
		unknownVerb(stderr, args[0])
		return exitTrouble
	}
	c := &call{cmd: cmd, stdout: stdout, stderr: stderr}
	return c.exit(cmd.run(c, []string{"-help"}))
}

// printHelp prints the list of verbs.
func printHelp(w io.Writer) error {
	p := &printer{w: w}
	p.println("diskmap inspects and operates a map of package diskmap or package concurrent.")
	p.println("\nUsage: diskmap VERB [flags] [arguments]\n\nVerbs:")
	for _, cmd := range commands {
		p.printf("  %-8s %s\n", cmd.name, cmd.summary)
	}
	p.println("\ndiskmap VERB -help shows a verb's flags and an example.")
	p.println("Exit status: 0 ok; 1 problems found (check) or key not found (get, delete); 2 bad input.")
	return p.err
}

// parse parses the verb's flags, made by define, and checks that as many
// arguments follow them as one of counts says; it returns the arguments.
func (c *call) parse(args []string, define func(fs *flag.FlagSet), counts ...int) ([]string, error) {
	fs := flag.NewFlagSet(c.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed on one line by exit; -help by usage
	if define != nil {
		define(fs)
	}
	if !c.cmd.ownMap {
		fs.DurationVar(&c.wait, "wait", 0, "how long to wait for a map that another process has open, "+
			"such as 30s (default: fail at once)")
		fs.BoolVar(&c.verbose, "v", false, "print the library's log of what it does to the files "+
			"(recoveries, compactions, growths, checkpoints) on stderr, instead of progress bars")
	}
	c.flags = fs
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%v (diskmap %s -help shows the flags)", err, c.cmd.name)
	}
	if !slices.Contains(counts, fs.NArg()) {
		return nil, fmt.Errorf("want %s, got %d argument%s (usage: diskmap %s)", c.cmd.argsOrNone(), fs.NArg(), plural(fs.NArg()), c.cmd.line())
	}
	return fs.Args(), nil
}

// usage prints the verb's usage line, summary, example and flags.
func (c *call) usage(w io.Writer) error {
	p := &printer{w: w}
	p.printf("Usage: diskmap %s\n\n%s\n\nExample:\n  %s\n", c.cmd.line(), c.cmd.summary, c.cmd.example)
	has := false
	if c.flags != nil {
		c.flags.VisitAll(func(*flag.Flag) { has = true })
	}
	if has {
		p.println("\nFlags:")
		c.flags.SetOutput(w)
		c.flags.PrintDefaults()
	}
	return p.err
}

// line returns the verb's usage line: its name, [flags] if it has any
// and its arguments.
func (cmd *command) line() string {
	return strings.TrimSpace(cmd.name + " [flags] " + cmd.args)
}

func (cmd *command) argsOrNone() string {
	if cmd.args == "" {
		return "no arguments"
	}
	return cmd.args
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
