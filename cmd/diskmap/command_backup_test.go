package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A backup is a map that check passes and that holds what the original
// does, of either kind.
func TestBackupThenCheckTheCopy(t *testing.T) {
	for _, m := range []struct {
		dir  string
		keys int
	}{{stringMap(t, "a", "1", "b", "2"), 2}, {shardedMap(t, 20), 20}} {
		from := m.dir
		to := filepath.Join(t.TempDir(), "copy")
		out := ok(t, "", "backup", from, to)
		if !strings.HasPrefix(out, from+": backed up to "+to+": ") {
			t.Errorf("backup = %q", out)
		}
		if out, want := ok(t, "", "check", to), fmt.Sprintf("%s: ok, %d keys\n", to, m.keys); out != want {
			t.Errorf("check of the copy = %q", out)
		}
		if got, want := sortedLines(ok(t, "", "dump", to)), sortedLines(ok(t, "", "dump", from)); !slices.Equal(got, want) {
			t.Errorf("dump of the copy = %q, want %q", got, want)
		}
	}
}

// A backup goes into a new directory or an empty one, never over files.
func TestBackupIntoADirectoryThatIsNotEmpty(t *testing.T) {
	from := stringMap(t, "a", "1")
	to := t.TempDir()
	if err := os.WriteFile(filepath.Join(to, "notes"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	fails(t, 2, "holds notes: want an empty directory", "", "backup", from, to)
	if b, err := os.ReadFile(filepath.Join(to, "notes")); err != nil || string(b) != "mine" {
		t.Errorf("the file in the way reads %q, %v", b, err)
	}
	fails(t, 2, "want DIR TARGET, got 1 argument", "", "backup", from)
}
