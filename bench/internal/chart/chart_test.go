package chart

import (
	"bytes"
	"testing"
)

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0.3, 0.5}, {1, 1}, {1.2, 2}, {3, 5}, {7, 10}, {260, 500}, {1e6, 1e6}} {
		if got := NiceStep(c.in); got < c.want*0.999 || got > c.want*1.001 {
			t.Errorf("NiceStep(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestBarsLogScale checks that values spanning more than a factor of 50 get
// a logarithmic axis, and that every label is escaped.
func TestBarsLogScale(t *testing.T) {
	svg := Bars("a <title>", "ns", []Bar{{Label: "x&y", Value: 1, Text: "1"}, {Label: "z", Value: 1000, Text: "1000"}}, func(v float64) string { return "" })
	for _, want := range []string{"logarithmic scale", "x&amp;y", "a &lt;title&gt;"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("chart lacks %q", want)
		}
	}
}
