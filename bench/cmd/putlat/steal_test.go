package main

import (
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// The steal line gives each figure whose readings succeeded, and only
// those: a failed reading never prints a difference taken from zero.
func TestStealLineLeavesOutFailedReadings(t *testing.T) {
	for _, c := range []struct {
		name       string
		load, ctrl bool // which were read
		control    bool // whether a control loop ran
		want       string
	}{
		{"none read", false, false, true, ""},
		{"load only, no control", true, false, false, "stolen by the hypervisor, over all CPUs: 2s during the load"},
		{"control reading failed", true, false, true, "stolen by the hypervisor, over all CPUs: 2s during the load"},
		{"load reading failed", false, true, true, "stolen by the hypervisor, over all CPUs: 30ms during the control"},
		{"both", true, true, true, "stolen by the hypervisor, over all CPUs: 2s during the load, 30ms during the control"},
	} {
		r := result{steal: 2 * time.Second, controlSteal: 30 * time.Millisecond, stealRead: c.load, controlStealRead: c.ctrl}
		if c.control {
			r.control = hist.New()
		}
		if got := r.stealLine(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
