package main

import (
	"testing"
	"time"
)

func TestControlRunsForAsLongAsAsked(t *testing.T) {
	start := time.Now()
	gaps := control(20 * time.Millisecond)
	took := time.Since(start)
	if took < 20*time.Millisecond {
		t.Errorf("control of 20ms returned after %v", took)
	}
	if gaps.N() == 0 || gaps.Max() > took {
		t.Errorf("control of 20ms counted %d gaps, the longest %v, in %v", gaps.N(), gaps.Max(), took)
	}
}
