package main

import (
	"testing"
	"time"
)

// TestSlowest checks that a merged histogram names the slowest Puts.
func TestSlowest(t *testing.T) {
	h := newHist()
	for i := range 10000 {
		h.add(i, time.Duration(i+1)*time.Microsecond)
	}
	o := newHist()
	o.add(20000, time.Second)
	h.merge(o)
	if h.slowest[0] != (slow{20000, time.Second}) || len(h.slowest) != keepSlow {
		t.Errorf("slowest = %v", h.slowest)
	}
	if h.slowest[1] != (slow{9999, 10 * time.Millisecond}) {
		t.Errorf("second slowest = %v", h.slowest[1])
	}
}
