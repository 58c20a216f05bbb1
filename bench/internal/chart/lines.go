package chart

import (
	"bytes"
	"fmt"
	"math"
)

// Series is one line of a line chart: its name in the legend, its color,
// and its value at each point of the x axis (0 or less for none there).
type Series struct {
	Name   string
	Color  string
	Values []float64
}

// Lines draws one line per series over categories on the x axis (such as
// value sizes), evenly spaced, on a logarithmic y axis of whole decades,
// with a dot at each value and a legend on the right.
func Lines(title, subtitle string, xLabels []string, series []Series, format func(float64) string) []byte {
	const (
		width    = 760
		height   = 420
		left     = 70
		right    = 190 // room for the legend
		top      = 58
		bottom   = 48
		fontSize = 13
	)
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	lo, hi := math.Inf(1), 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if hi <= 0 {
		lo, hi = 1, 10
	}
	a, b := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if b == a {
		b++
	}
	y := func(v float64) float64 { return float64(top) + plotH*(1-(math.Log10(v)-a)/(b-a)) }
	x := func(i int) float64 {
		if len(xLabels) < 2 {
			return float64(left) + plotW/2
		}
		return float64(left) + plotW*float64(i)/float64(len(xLabels)-1)
	}

	var w bytes.Buffer
	fmt.Fprintf(&w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="%d">`+"\n",
		width, height, width, height, fontSize)
	fmt.Fprintf(&w, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&w, `<text x="10" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&w, `<text x="10" y="42" fill="#4a5568">%s</text>`+"\n", esc(subtitle+"; logarithmic scale"))
	for e := a; e <= b; e++ {
		ty := y(math.Pow(10, e))
		fmt.Fprintf(&w, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e2e8f0"/>`+"\n", left, ty, float64(left)+plotW, ty)
		fmt.Fprintf(&w, `<text x="%d" y="%.1f" text-anchor="end" fill="#718096" font-size="11">%s</text>`+"\n", left-6, ty+4, esc(format(math.Pow(10, e))))
	}
	for i, l := range xLabels {
		fmt.Fprintf(&w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#edf2f7"/>`+"\n", x(i), top, x(i), float64(top)+plotH)
		fmt.Fprintf(&w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#4a5568">%s</text>`+"\n", x(i), float64(top)+plotH+18, esc(l))
	}
	for si, s := range series {
		var path bytes.Buffer
		pen := "M"
		for i, v := range s.Values {
			if v <= 0 || i >= len(xLabels) {
				pen = "M" // a gap: the line starts again at the next value
				continue
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", pen, x(i), y(v))
			pen = "L"
		}
		fmt.Fprintf(&w, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", bytes.TrimSpace(path.Bytes()), s.Color)
		for i, v := range s.Values {
			if v > 0 && i < len(xLabels) {
				fmt.Fprintf(&w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(i), y(v), s.Color)
			}
		}
		ly := top + 10 + si*20
		lx := width - right + 20
		fmt.Fprintf(&w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>`+"\n", lx, ly, lx+22, ly, s.Color)
		fmt.Fprintf(&w, `<text x="%d" y="%d">%s</text>`+"\n", lx+28, ly+4, esc(s.Name))
	}
	fmt.Fprintf(&w, `<line x1="%d" y1="%d" x2="%d" y2="%.1f" stroke="#2d3748"/>`+"\n", left, top, left, float64(top)+plotH)
	w.WriteString("</svg>\n")
	return w.Bytes()
}
