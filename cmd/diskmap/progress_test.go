package main

import (
	"bytes"
	"strings"
	"testing"
)

// On a terminal a bar counts to its total; elsewhere there is none.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, true, 3, "dumping", false)
	for range 3 {
		p.add(1)
	}
	p.done()
	if out := b.String(); !strings.Contains(out, "dumping 100%") || !strings.Contains(out, "(3/3)") || !strings.HasSuffix(out, "\n") {
		t.Errorf("the bar drew %q", out)
	}
	b.Reset()
	p = newProgress(&b, false, 3, "dumping", false)
	p.add(3)
	p.done()
	if b.Len() != 0 {
		t.Errorf("with no terminal, the bar drew %q", b.String())
	}
}

// A verb the library does in one call shows a spinner, with no count.
func TestProgressSpinner(t *testing.T) {
	var b bytes.Buffer
	c := &call{stderr: &b, progress: true}
	if err := spin(c, "compacting", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "compacting") || strings.Contains(out, "/") {
		t.Errorf("the spinner drew %q", out)
	}
}

// Off a terminal the long verbs write nothing on stderr.
func TestNoProgressOffATerminal(t *testing.T) {
	dir := shardedMap(t, 10)
	for _, args := range [][]string{{"dump", dir}, {"check", dir}, {"compact", dir}} {
		ok(t, "", args...) // ok fails the test on any stderr
	}
	ok(t, `{"key":"x","value":1}`, "load", dir)
}
