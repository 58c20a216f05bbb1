package main

import (
	"testing"
	"time"
)

func TestParseStealReadsTheEighthNumberOfTheCPULine(t *testing.T) {
	stat := "cpu  18663 0 10274 7875998 766 0 395 6622 0 0\ncpu0 11515 0 5633 3935325 476 0 165 3208 0 0\n"
	d, err := parseSteal([]byte(stat))
	if err != nil || d != 66220*time.Millisecond {
		t.Fatalf("parseSteal = %v, %v; want 1m6.22s", d, err)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5 6 7 8\n", "cpu 1 2 3 4 5 6 7\n", "cpu 1 2 3 4 5 6 7 x 9\n"} {
		if d, err := parseSteal([]byte(bad)); err == nil {
			t.Errorf("parseSteal(%q) = %v, no error", bad, d)
		}
	}
}

func TestStolenReadsThisMachine(t *testing.T) {
	a, ok := stolen()
	if !ok {
		t.Fatal("stolen: /proc/stat not read")
	}
	if b, _ := stolen(); b < a {
		t.Errorf("steal went back from %v to %v", a, b)
	}
}
