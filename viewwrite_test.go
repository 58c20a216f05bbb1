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
	"github.com/diskmap-go/diskmap/internal/maptest"
)

// View hands out bytes of a read-only mapping: a program that writes into
// them must crash with a fault, and the file must not change. The write is
// done in a child process, since the fault kills the process.

// viewKey is the key whose view the child writes into, viewValue its value.
const (
	viewKey   = "the key"
	viewValue = "the value, which no one may change"
)

// viewWriteModes are what the child does before it writes: only open the
// map, or first put a key of its own (so that the map is not closed
// cleanly and its arenas have grown past their size on disk).
var viewWriteModes = []string{"view-only", "view-after-put"}

// TestViewWriteChild is the child of TestViewWrite: it opens the map,
// takes a view of viewKey, prints "view", writes into the view and prints
// "wrote", which it must never reach.
func TestViewWriteChild(t *testing.T) {
	t.Parallel()
	mode := os.Getenv(childEnv)
	if !strings.HasPrefix(mode, "view-") {
		t.Skip("runs only as the child process of TestViewWrite")
	}
	m, err := diskmap.Open[string, string](os.Getenv(childDirEnv), nil)
	if err != nil {
		fmt.Printf("error Open: %v\n", err)
		os.Exit(3)
	}
	if mode == "view-after-put" {
		for i := range 100 {
			if err := m.Put(fmt.Sprintf("child %d", i), strings.Repeat("c", 1000)); err != nil {
				fmt.Printf("error Put: %v\n", err)
				os.Exit(3)
			}
		}
	}
	b, ok, err := m.View(viewKey)
	if err != nil || !ok || string(b) != viewValue {
		fmt.Printf("error View = %q, %v, %v\n", b, ok, err)
		os.Exit(3)
	}
	fmt.Println("view")
	b[0] ^= 0xff
	fmt.Println("wrote")
	if err := m.Close(); err != nil {
		fmt.Printf("error Close: %v\n", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// TestViewWrite runs a child that writes into a view. The child must die of
// a fault before its write lands; then the map opens, passes Check and
// still holds the value, and the keys the child put before.
func TestViewWrite(t *testing.T) {
	t.Parallel()
	for _, mode := range viewWriteModes {
		t.Run(mode, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "map")
			m := maptest.Open[string, string](t, dir, nil)
			for i := range 50 {
				if err := m.Put(fmt.Sprintf("key %d", i), strings.Repeat("v", i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := m.Put(viewKey, viewValue); err != nil {
				t.Fatal(err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := childCommand(ctx, "TestViewWriteChild", mode, dir, 0, 0)
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
			t.Logf("the child died: %v: %s", err, firstLine(stderr.String()))

			m = maptest.Open[string, string](t, dir, nil)
			if err := m.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if v, ok, err := m.Get(viewKey); err != nil || !ok || v != viewValue {
				t.Errorf("Get(%q) = %q, %v, %v; want %q", viewKey, v, ok, err, viewValue)
			}
			want := 51
			if mode == "view-after-put" {
				want += 100
				for i := range 100 {
					if ok, err := m.Contains(fmt.Sprintf("child %d", i)); err != nil || !ok {
						t.Fatalf("the key the child put as %d is lost: %v, %v", i, ok, err)
					}
				}
			}
			if m.Len() != want {
				t.Errorf("Len = %d, want %d", m.Len(), want)
			}
		})
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
