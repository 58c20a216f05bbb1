package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteKeepsTheRest writes two sections, rewrites the first, and checks
// that the text around them and the other section stay as they were.
func TestWriteKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	if err := os.WriteFile(path, []byte("# Results\n\ntables\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct{ name, body string }{{"ycsb", "## YCSB\nold"}, {"durable", "## Durable\nd\n"}, {"ycsb", "## YCSB\nnew\n"}} {
		if err := Write(path, w.name, w.body); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Results\n\ntables\n\n<!-- begin ycsb -->\n## YCSB\nnew\n<!-- end ycsb -->\n\n<!-- begin durable -->\n## Durable\nd\n<!-- end durable -->\n"
	if string(b) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", b, want)
	}
	rest, sections := Split(string(b))
	if rest != "# Results\n\ntables\n\n\n" || len(sections) != 2 || !strings.Contains(sections[1], "## Durable") {
		t.Errorf("split: rest %q, sections %q", rest, sections)
	}
	got, err := Sections(path)
	if err != nil || len(got) != 2 {
		t.Errorf("Sections: %q, %v", got, err)
	}
}

// TestWriteRefuses checks the errors: a name that is not a plain word, and
// a section whose end line is missing.
func TestWriteRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	if err := Write(path, "a b", "x"); err == nil {
		t.Error("a name with a space was accepted")
	}
	if err := os.WriteFile(path, []byte("<!-- begin x -->\nno end\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, "x", "y"); err == nil {
		t.Error("a section without its end line was rewritten")
	}
	if s, err := Sections(filepath.Join(t.TempDir(), "none")); err != nil || s != nil {
		t.Errorf("missing file: %q, %v", s, err)
	}
}
