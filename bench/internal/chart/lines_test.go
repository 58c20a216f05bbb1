package chart

import (
	"bytes"
	"strings"
	"testing"
)

// TestLinesDrawsEverySeries checks that each series gets its line, a dot
// per value, a legend entry, and a gap where it has no value.
func TestLinesDrawsEverySeries(t *testing.T) {
	svg := Lines("MB/s <by size>", "more is better", []string{"8 B", "1 KiB", "256 KiB"}, []Series{
		{Name: "a&b", Color: "#111111", Values: []float64{1, 50, 2000}},
		{Name: "c", Color: "#222222", Values: []float64{3, 0, 900}},
	}, func(v float64) string { return "" })
	for _, want := range []string{"a&amp;b", "MB/s &lt;by size&gt;", "logarithmic scale", "256 KiB"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if got := strings.Count(string(svg), "<circle"); got != 5 {
		t.Errorf("%d dots, want 5 (one per value above 0)", got)
	}
	// The second series has no value at the middle: its path starts again.
	if got := strings.Count(string(svg), `stroke="#222222" stroke-width="2"`); got != 1 {
		t.Fatalf("%d paths for series c, want 1", got)
	}
	if !strings.Contains(string(svg), `d="M70.0`) {
		t.Error("paths do not start at the first category")
	}
	i := strings.Index(string(svg), `stroke="#222222" stroke-width="2"`)
	if path := string(svg)[strings.LastIndex(string(svg)[:i], "<path"):i]; strings.Count(path, "M") != 2 {
		t.Errorf("series c's path %q does not restart after its gap", path)
	}
}
