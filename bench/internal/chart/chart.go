// Package chart draws the SVG charts of the results: horizontal bars, one
// per store or setting, on a linear or a logarithmic scale.
package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// Bar is one bar of a chart: its label, its length, the text written
// after it and its fill color.
type Bar struct {
	Label string
	Value float64
	Text  string
	Color string
}

// The colors of the bars: diskmap in blue (a lighter blue for a second bar
// of the same row, such as after Compact), the built-in map in grey, the
// peers in orange.
const (
	Diskmap      = "#2b6cb0"
	DiskmapLight = "#63b3ed"
	Builtin      = "#718096"
	Peer         = "#dd6b20"
)

// Color returns the color of a store's bars.
func Color(store string) string {
	switch {
	case store == "builtin":
		return Builtin
	case stores.IsPeer(store):
		return Peer
	}
	return Diskmap
}

// Bars draws horizontal bars from 0 on a linear scale, or on a
// logarithmic one when the values span more than a factor of 50, with the
// value written after each bar and a light grid.
func Bars(title, subtitle string, bars []Bar, format func(float64) string) []byte {
	const (
		width    = 760
		left     = 210 // room for the labels
		right    = 90  // room for the values
		top      = 58
		barH     = 22
		gap      = 8
		bottom   = 28
		fontSize = 13
	)
	plotW := float64(width - left - right)
	height := top + len(bars)*(barH+gap) + bottom
	lo, hi := math.Inf(1), 0.0
	for _, b := range bars {
		if b.Value > 0 {
			lo, hi = min(lo, b.Value), max(hi, b.Value)
		}
	}
	if hi <= 0 {
		lo, hi = 1, 1
	}
	// x maps a value to its bar's length; ticks are the grid's values.
	var x func(float64) float64
	var ticks []float64
	if hi/lo > 50 {
		subtitle += "; logarithmic scale"
		a, b := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		x = func(v float64) float64 {
			if v <= 0 {
				return 0
			}
			// A value at the bottom decade still gets a visible bar.
			return plotW * (0.04 + 0.96*(math.Log10(v)-a)/(b-a))
		}
		for e := a; e <= b; e++ {
			ticks = append(ticks, math.Pow(10, e))
		}
	} else {
		step := NiceStep(hi / 4)
		end := step * math.Ceil(hi/step-1e-9)
		x = func(v float64) float64 { return plotW * v / end }
		for i := 0.0; i*step <= end*(1+1e-9); i++ {
			ticks = append(ticks, i*step)
		}
	}

	var w bytes.Buffer
	fmt.Fprintf(&w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="%d">`+"\n",
		width, height, width, height, fontSize)
	fmt.Fprintf(&w, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&w, `<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", 10, esc(title))
	fmt.Fprintf(&w, `<text x="%d" y="42" fill="#4a5568">%s</text>`+"\n", 10, esc(subtitle))
	plotBottom := top + len(bars)*(barH+gap)
	for _, t := range ticks {
		tx := float64(left) + x(t)
		fmt.Fprintf(&w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#e2e8f0"/>`+"\n", tx, top-4, tx, plotBottom)
		fmt.Fprintf(&w, `<text x="%.1f" y="%d" text-anchor="middle" fill="#718096" font-size="11">%s</text>`+"\n", tx, plotBottom+16, esc(format(t)))
	}
	for i, b := range bars {
		y := top + i*(barH+gap)
		fmt.Fprintf(&w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH/2+fontSize/2-1, esc(b.Label))
		bw := x(b.Value)
		if b.Value > 0 && bw < 1 {
			bw = 1
		}
		fmt.Fprintf(&w, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, bw, barH, b.Color)
		fmt.Fprintf(&w, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+bw+6, y+barH/2+fontSize/2-1, esc(b.Text))
	}
	fmt.Fprintf(&w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#2d3748"/>`+"\n", left, top-4, left, plotBottom)
	w.WriteString("</svg>\n")
	return w.Bytes()
}

// NiceStep rounds x up to 1, 2 or 5 times a power of ten.
func NiceStep(x float64) float64 {
	p := 1.0
	for p*10 <= x {
		p *= 10
	}
	for p > x {
		p /= 10
	}
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// esc escapes s for the text of an SVG element.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder takes every write
	return b.String()
}
