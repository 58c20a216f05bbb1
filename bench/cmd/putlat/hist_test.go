package main

import (
	"testing"
	"time"
)

// TestBuckets checks that every value falls in a bucket whose upper bound
// is at least the value and within the histogram's precision of it.
func TestBuckets(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 20, 123456789, 1 << 40} {
		b := bucket(v)
		u := upper(b)
		if u < v || float64(u-v) > float64(v)/(1<<subBits)+1 {
			t.Errorf("value %d: bucket %d, upper %d", v, b, u)
		}
		if b > 0 && upper(b-1) >= v {
			t.Errorf("value %d: bucket %d, but the one before ends at %d", v, b, upper(b-1))
		}
	}
}

// TestQuantiles checks quantiles and the slowest Puts on a known spread.
func TestQuantiles(t *testing.T) {
	h := newHist()
	for i := range 10000 {
		h.add(i, time.Duration(i+1)*time.Microsecond)
	}
	if got := h.quantile(0.5); got < 4900*time.Microsecond || got > 5100*time.Microsecond {
		t.Errorf("p50 = %v, want about 5ms", got)
	}
	if got := h.quantile(1); got != 10*time.Millisecond {
		t.Errorf("max = %v", got)
	}
	o := newHist()
	o.add(20000, time.Second)
	h.merge(o)
	if h.slowest[0] != (slow{20000, time.Second}) || len(h.slowest) != keepSlow {
		t.Errorf("slowest = %v", h.slowest)
	}
	// 5,001 Puts took more than 5ms, and the 5ms bucket is 1.6% wide.
	if got := h.over(5 * time.Millisecond); got < 5001 || got > 5001+80 {
		t.Errorf("over 5ms: %d", got)
	}
}
