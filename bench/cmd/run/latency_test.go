package main

import "testing"

// TestMemLatency checks the chase visits one cycle and gives a time.
func TestMemLatency(t *testing.T) {
	if ns := memLatency(1 << 20); ns <= 0 || ns > 1e5 {
		t.Errorf("memLatency(1 MiB) = %v ns", ns)
	}
}
