package hist

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

// TestQuantiles checks quantiles, the maximum, the mean and Over on a
// known spread, and that Merge adds.
func TestQuantiles(t *testing.T) {
	h := New()
	for i := range 10000 {
		h.Add(time.Duration(i+1) * time.Microsecond)
	}
	if got := h.Quantile(0.5); got < 4900*time.Microsecond || got > 5100*time.Microsecond {
		t.Errorf("p50 = %v, want about 5ms", got)
	}
	if got := h.Quantile(0.999); got < 9900*time.Microsecond || got > 10*time.Millisecond {
		t.Errorf("p99.9 = %v, want about 9.99ms", got)
	}
	if got := h.Quantile(1); got != 10*time.Millisecond {
		t.Errorf("max = %v", got)
	}
	if got := h.Mean(); got != 5000500*time.Nanosecond {
		t.Errorf("mean = %v", got)
	}
	o := New()
	o.Add(time.Second)
	h.Merge(o)
	if h.N() != 10001 || h.Max() != time.Second {
		t.Errorf("after merge: n %d, max %v", h.N(), h.Max())
	}
	// 5,001 durations exceed 5ms, and the 5ms bucket is 1.6% wide.
	if got := h.Over(5 * time.Millisecond); got < 5001 || got > 5001+80 {
		t.Errorf("over 5ms: %d", got)
	}
	s := h.Summary()
	if s.N != 10001 || s.Max != int64(time.Second) || s.P50 != int64(h.Quantile(0.5)) {
		t.Errorf("summary %+v", s)
	}
}
