package maptest

import "testing"

// RequireAllocs fails the test if f allocates more than max times per
// run, on average over runs. Allocations are counted for the whole
// process, so a test that calls it must not run in parallel with others.
func RequireAllocs(t *testing.T, name string, runs int, max float64, f func()) {
	t.Helper()
	if got := testing.AllocsPerRun(runs, f); got > max {
		t.Errorf("%s: %v allocations per run, want at most %v", name, got, max)
	}
}
