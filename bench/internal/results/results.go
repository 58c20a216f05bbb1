// Package results keeps the sections of RESULTS.md that the workloads other
// than cmd/run's write: each lies between a line "<!-- begin NAME -->" and a
// line "<!-- end NAME -->", one workload rewrites its own section and leaves
// the rest of the file as it was, and cmd/run, which rewrites the whole
// file, carries every section over.
package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

func begin(name string) string { return "<!-- begin " + name + " -->\n" }
func end(name string) string   { return "<!-- end " + name + " -->\n" }

var sectionRE = regexp.MustCompile(`(?ms)^<!-- begin ([a-z0-9-]+) -->\n.*?^<!-- end ([a-z0-9-]+) -->\n`)

// Write puts body into the section called name of the file at path: in
// place of the section if the file has one, else at the end. A missing
// file is created.
func Write(path, name, body string) error {
	if !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(name) {
		return fmt.Errorf("results: bad section name %q", name)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	section := begin(name) + body + end(name)
	text := string(old)
	if i := strings.Index(text, begin(name)); i >= 0 {
		j := strings.Index(text[i:], end(name))
		if j < 0 {
			return fmt.Errorf("results: %s: section %s has no end line", path, name)
		}
		text = text[:i] + section + text[i+j+len(end(name)):]
	} else {
		if text != "" && !strings.HasSuffix(text, "\n\n") {
			text = strings.TrimRight(text, "\n") + "\n\n"
		}
		text += section
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// Split returns text without its sections, and the sections, in order,
// each with its begin and end lines.
func Split(text string) (rest string, sections []string) {
	var b strings.Builder
	at := 0
	for _, m := range sectionRE.FindAllStringSubmatchIndex(text, -1) {
		if text[m[2]:m[3]] != text[m[4]:m[5]] {
			continue // an end line of another section: not a section
		}
		b.WriteString(text[at:m[0]])
		sections = append(sections, text[m[0]:m[1]])
		at = m[1]
	}
	b.WriteString(text[at:])
	return b.String(), sections
}

// Sections returns the sections of the file at path, each with its begin
// and end lines; none for a missing file.
func Sections(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, s := Split(string(b))
	return s, nil
}
