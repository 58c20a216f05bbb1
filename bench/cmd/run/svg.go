package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// chart is one SVG: a horizontal bar per store for one metric.
type chart struct {
	file, title, unit string
	metric            string
	format            func(float64) string
	scale             float64 // value shown = metric / scale
	extra             string  // a second metric drawn as an extra bar for the rows that have it
	extraLabel        string
}

var chartSpecs = []chart{
	{file: "load", title: "load: put every key, then Sync", unit: "ns per key", metric: mLoad, format: nsop, scale: 1},
	{file: "reopen", title: "reopen: Open and one Get after a clean Close", unit: "time", metric: mReopen, format: dur, scale: 1},
	{file: "get-hit", title: "get-hit: Get of a loaded key", unit: "ns per Get", metric: mGetHit, format: nsop, scale: 1,
		extra: mGetBatch, extraLabel: "in batches of 1,000"},
	{file: "get-miss", title: "get-miss: Get of a key never loaded", unit: "ns per Get", metric: mGetMiss, format: nsop, scale: 1},
	{file: "parallel", title: "parallel get: get-hit over GOMAXPROCS goroutines", unit: "ns per Get, wall time", metric: mParallel, format: nsop, scale: 1},
	{file: "update", title: "update: overwrite 20% of the keys, then Sync", unit: "ns per key", metric: mUpdate, format: nsop, scale: 1},
	{file: "delete", title: "delete: remove 10% of the keys, then Sync", unit: "ns per key", metric: mDelete, format: nsop, scale: 1},
	{file: "disk", title: "disk after delete and Close (allocated blocks)", unit: "MiB", metric: mDisk, format: func(v float64) string { return fmt.Sprintf("%.1f", v) }, scale: 1 << 20,
		extra: mCompacted, extraLabel: "after Compact"},
	{file: "rss", title: "peak RSS of the store's process", unit: "MiB", metric: mRSSPeak, format: func(v float64) string { return fmt.Sprintf("%.0f", v) }, scale: 1 << 20},
}

type bar struct {
	label string
	value float64
	text  string
	color string
}

const (
	colorDiskmap      = "#2b6cb0"
	colorDiskmapLight = "#63b3ed" // the extra bars: diskmap after Compact, or reading in batches
	colorBuiltin      = "#718096"
	colorPeer         = "#dd6b20"
)

func barColor(store string) string {
	switch {
	case store == "builtin":
		return colorBuiltin
	case stores.IsPeer(store):
		return colorPeer
	}
	return colorDiskmap
}

// render draws c for the rows of s; false when no row has the metric.
func (c chart) render(s *sizeResult) ([]byte, bool) {
	var bars []bar
	measured := false
	for _, r := range s.rows {
		b := bar{label: r.store, color: barColor(r.store)}
		switch v, ok := r.get(c.metric); {
		case r.err != "":
			b.text = "failed"
		case !ok && kindInMemory(r.store):
			b.text = "in memory"
		case !ok:
			b.text = "n/a"
		default:
			b.value, b.text, measured = v/c.scale, c.format(v/c.scale), true
		}
		bars = append(bars, b)
		if c.extra != "" {
			if v, ok := r.get(c.extra); ok {
				bars = append(bars, bar{label: r.store + ", " + c.extraLabel, value: v / c.scale, text: c.format(v / c.scale), color: colorDiskmapLight})
			}
		}
	}
	if !measured {
		return nil, false
	}
	return barChart(fmt.Sprintf("%s (n = %s)", c.title, count(s.n)), c.unit+", shorter is better", bars, c.format), true
}

// barChart draws horizontal bars from 0 on a linear scale, or on a
// logarithmic one when the values span more than a factor of 50, with the
// value written after each bar and a light grid.
func barChart(title, subtitle string, bars []bar, format func(float64) string) []byte {
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
		if b.value > 0 {
			lo, hi = min(lo, b.value), max(hi, b.value)
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
		step := niceStep(hi / 4)
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
		fmt.Fprintf(&w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH/2+fontSize/2-1, esc(b.label))
		bw := x(b.value)
		if b.value > 0 && bw < 1 {
			bw = 1
		}
		fmt.Fprintf(&w, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, bw, barH, b.color)
		fmt.Fprintf(&w, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+bw+6, y+barH/2+fontSize/2-1, esc(b.text))
	}
	fmt.Fprintf(&w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#2d3748"/>`+"\n", left, top-4, left, plotBottom)
	w.WriteString("</svg>\n")
	return w.Bytes()
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
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

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder takes every write
	return b.String()
}

func kindInMemory(store string) bool {
	k, err := stores.Lookup(store)
	return err == nil && k.InMemory
}
