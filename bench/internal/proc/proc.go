// Package proc runs each store of a benchmark in a process of its own: the
// runner starts its own binary again with the arguments of one run, and the
// child prints its results as a JSON line, so that no store's memory, page
// cache use or goroutines weigh on another's figures.
package proc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Spawn runs this binary again with args, within timeout, and decodes the
// last JSON line it prints into res.
func Spawn(timeout time.Duration, args []string, res any) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	timer := time.AfterFunc(timeout, func() {
		_ = cmd.Process.Kill() // fails only if it has ended: Wait says how
	})
	err = cmd.Wait()
	if !timer.Stop() {
		return fmt.Errorf("stopped after -timeout %v", timeout)
	}
	if err != nil {
		if msg := lastLine(stderr.String()); msg != "" {
			err = fmt.Errorf("%v: %s", err, msg)
		}
		return err
	}
	printed := false
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Bytes(); len(line) > 0 && line[0] == '{' {
			if err := json.Unmarshal(line, res); err != nil {
				return fmt.Errorf("parsing results: %v", err)
			}
			printed = true
		}
	}
	if !printed {
		return fmt.Errorf("no results printed: %s", lastLine(stderr.String()))
	}
	return nil
}

// lastLine returns the last line of s, trimmed: the message of a child that failed.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// WorkDir returns the directory a runner gives its children's stores: dir
// itself, created if missing, or, for "", a new temporary directory named
// after prefix. done removes the temporary one (unless keep) and names
// nothing else: it is nil for dir, which belongs to the caller.
func WorkDir(dir, prefix string, keep bool) (base string, done func() error, err error) {
	if dir != "" {
		return dir, nil, os.MkdirAll(dir, 0o755)
	}
	d, err := os.MkdirTemp("", prefix)
	if err != nil || keep {
		return d, nil, err
	}
	return d, func() error { return os.RemoveAll(d) }, nil
}
