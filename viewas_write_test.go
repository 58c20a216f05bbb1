//go:build unix

package diskmap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
)

// A pointer from ViewAs points into a read-only mapping: a program that
// writes through it must crash with a fault, and the file must not change.
// The write is done in a child process, since the fault kills the process.

// viewAsChildEnv holds the map directory when the test binary runs as the
// child of TestViewAsWrite.
const viewAsChildEnv = "DISKMAP_VIEWAS_CHILD_DIR"

// viewAsKey is the key whose value the child writes through.
const viewAsKey = 7

// TestViewAsWriteChild is the child of TestViewAsWrite: it opens the map,
// takes a pointer to the value of viewAsKey, prints "view", writes through
// the pointer and prints "wrote", which it must never reach.
func TestViewAsWriteChild(t *testing.T) {
	dir := os.Getenv(viewAsChildEnv)
	if dir == "" {
		t.Skip("runs only as the child process of TestViewAsWrite")
	}
	m := openFixed[record](t, dir, nil)
	p, ok, err := diskmap.ViewAs(m, viewAsKey)
	if err != nil || !ok || *p != recordFor(viewAsKey) {
		fmt.Printf("error ViewAs = %v, %v, %v\n", p, ok, err)
		os.Exit(3)
	}
	fmt.Println("view")
	p.Score = -1
	fmt.Println("wrote")
	os.Exit(0)
}

// TestViewAsWrite runs a child that writes through a pointer from ViewAs.
// The child must die of a fault before its write lands; then the map opens,
// passes Check and still holds the value.
func TestViewAsWrite(t *testing.T) {
	if !littleEndian {
		t.Skip("ViewAs returns a copy on a big-endian platform: writing to it is allowed")
	}
	dir := filepath.Join(t.TempDir(), "map")
	m := openFixed[record](t, dir, nil)
	for i := range uint64(20) {
		if err := m.Put(i, recordFor(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestViewAsWriteChild$", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), viewAsChildEnv+"="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("the child did not end in 30 s\nstdout:\n%s\nstderr:\n%s", stdout.Bytes(), stderr.Bytes())
	case !errors.As(err, &exit):
		t.Fatalf("the child exited with %v, want a crash\nstdout:\n%s\nstderr:\n%s", err, stdout.Bytes(), stderr.Bytes())
	case stdout.String() != "view\n":
		t.Fatalf("the child printed %q, want only %q\nstderr:\n%s", stdout.Bytes(), "view\n", stderr.Bytes())
	case !strings.Contains(stderr.String(), "fault") && !strings.Contains(stderr.String(), "SIGSEGV"):
		t.Fatalf("the child died (%v) without a fault:\n%s", err, stderr.Bytes())
	}

	m = openFixed[record](t, dir, nil)
	if err := m.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for i := range uint64(20) {
		if v, ok, err := m.Get(i); err != nil || !ok || v != recordFor(i) {
			t.Errorf("Get(%d) = %+v, %v, %v; want %+v", i, v, ok, err, recordFor(i))
		}
	}
}
