package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A damaged stream is bad input: one line names the offset of the record
// that does not check, and the records before it are imported.
func TestImportDamagedStream(t *testing.T) {
	stream := ok(t, "", "export", stringMap(t, "a", "1", "b", "2", "c", "3"))
	b := []byte(stream)
	b[len(b)-20] ^= 0xff // in the end record, or the last record's checksum
	to := filepath.Join(t.TempDir(), "to")
	line := fails(t, 2, "at offset ", string(b), "import", "-key", "string", "-value", "string", to)
	if !strings.Contains(line, "export stream") || !strings.Contains(line, "imported before it: ") {
		t.Errorf("import of a damaged stream said %q, want the stream, the offset and what was imported", line)
	}
	fails(t, 2, "at offset ", stream[:len(stream)-10], "import", to) // cut short
	fails(t, 2, "export stream", "not a stream at all", "import", to)
}

// Without codecs, import does not create a map, and into a map of other
// codecs it puts nothing.
func TestImportNeedsCodecs(t *testing.T) {
	stream := ok(t, "", "export", stringMap(t, "a", "1"))
	dir := filepath.Join(t.TempDir(), "new")
	fails(t, 2, "no map here (no buckets or manifest file); import creates one only when -key and -value name its codecs", stream, "import", dir)
	other := shardedMap(t, 3)
	fails(t, 2, "string keys and string values, the map string and int64", stream, "import", other)
	if out := ok(t, "", "stats", other); !strings.Contains(out, "3") {
		t.Errorf("stats after a refused import:\n%s", out)
	}
}
