package main

import (
	"slices"
	"testing"
	"time"
)

func TestGrowthsCountSlowPutsInTheirWindow(t *testing.T) {
	var g growths
	g.add(5, time.Millisecond) // before any growth: not counted
	g.began(100)
	g.add(100, slowPut) // not over
	g.add(101, slowPut+1)
	g.add(100+growthWindow-1, time.Millisecond)
	g.add(100+growthWindow, time.Millisecond) // past the window
	g.began(200000)
	g.add(200001, time.Second)
	if want := []int{2, 1}; !slices.Equal(g.slow, want) || !slices.Equal(g.at, []int{100, 200000}) {
		t.Errorf("growths at %v counted %v, want at [100 200000] %v", g.at, g.slow, want)
	}
}
