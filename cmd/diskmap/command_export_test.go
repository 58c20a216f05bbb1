package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// What export writes, import reads back into a new map created with the
// same codecs, of another kind: on stdout and stdin here, a diskmap.Map
// into a concurrent.Map.
func TestImportWhatExportWrote(t *testing.T) {
	from := stringMap(t, "a", "1", "b", "2", "c", "")
	ok(t, "", "put", "-ttl", "1h", from, "d", "4")
	stream := ok(t, "", "export", from)
	if !strings.HasPrefix(stream, "dmexport") {
		t.Fatalf("export wrote %q, want an export stream", stream[:min(len(stream), 16)])
	}
	to := filepath.Join(t.TempDir(), "to")
	if out := ok(t, stream, "import", "-key", "string", "-value", "string", "-shards", "2", to); out != to+": imported 4 entries\n" {
		t.Errorf("import = %q", out)
	}
	if got, want := sortedLines(ok(t, "", "dump", to)), sortedLines(ok(t, "", "dump", from)); !slices.Equal(got, want) {
		t.Errorf("dump after import = %q, want %q", got, want)
	}
}

// With -o and -i the stream goes through a file; export says how big.
func TestExportToAFile(t *testing.T) {
	from := shardedMap(t, 30)
	file := filepath.Join(t.TempDir(), "c.export")
	out := ok(t, "", "export", "-o", file, from)
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if want := from + ": exported to " + file + ", " + size(info.Size()) + "\n"; out != want {
		t.Errorf("export -o = %q, want %q", out, want)
	}
	to := filepath.Join(t.TempDir(), "to")
	if out := ok(t, "", "import", "-key", "string", "-value", "int64", "-i", file, to); out != to+": imported 30 entries\n" {
		t.Errorf("import -i = %q", out)
	}
	if got, want := sortedLines(ok(t, "", "dump", to)), sortedLines(ok(t, "", "dump", from)); !slices.Equal(got, want) {
		t.Errorf("dump after import = %q, want %q", got, want)
	}
}

// An export that cannot be written leaves no file behind.
func TestExportToAFileThatCannotBeMade(t *testing.T) {
	from := stringMap(t, "a", "1")
	fails(t, 2, "no such file or directory", "", "export", "-o", filepath.Join(t.TempDir(), "absent", "e"), from)
	fails(t, 2, "no map here", "", "export", "-o", filepath.Join(t.TempDir(), "e"), t.TempDir())
}
