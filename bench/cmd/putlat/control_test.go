package main

import (
	"testing"
	"time"
)

func TestGapsCountOnlyLongOnes(t *testing.T) {
	var g gaps
	for _, d := range []time.Duration{
		50 * time.Nanosecond, time.Millisecond, // not gaps: 1 ms is the threshold
		1500 * time.Microsecond, 3 * time.Millisecond, 12 * time.Millisecond, 2 * time.Millisecond,
	} {
		g.add(d)
	}
	want := gaps{over1ms: 4, over2ms: 2, over10ms: 1, longest: 12 * time.Millisecond}
	if g != want {
		t.Errorf("gaps %+v, want %+v", g, want)
	}
}

func TestControlRunsForAsLongAsAsked(t *testing.T) {
	start := time.Now()
	control(20 * time.Millisecond)
	if took := time.Since(start); took < 20*time.Millisecond {
		t.Errorf("control of 20ms returned after %v", took)
	}
}
