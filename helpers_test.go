package diskmap_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap"
)

// openMap opens the map in dir for the test. When the test ends, the map is
// checked with Check and closed, unless the test closed it already.
func openMap[K, V any](t testing.TB, dir string, opts *diskmap.Options) *diskmap.Map[K, V] {
	t.Helper()
	m, err := diskmap.Open[K, V](dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { closeChecked(t, m) })
	return m
}

// closeChecked runs Check on m and closes it; a map closed already is fine.
func closeChecked[K, V any](t testing.TB, m *diskmap.Map[K, V]) {
	t.Helper()
	if err := m.Check(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Check: %v", err)
	}
	if err := m.Close(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
}

// checkClose closes m and fails the test if Close fails; a map closed
// already is fine. Deferred, it closes m when the function returns.
func checkClose(t testing.TB, m io.Closer) {
	t.Helper()
	if err := m.Close(); err != nil && !errors.Is(err, diskmap.ErrClosed) {
		t.Errorf("Close: %v", err)
	}
}

// testSeed returns the seed of a test: DISKMAP_SEED if set, else a random
// one. It is logged so that a failure can be repeated.
func testSeed(t *testing.T) uint64 {
	seed := rand.Uint64()
	if s := os.Getenv("DISKMAP_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("DISKMAP_SEED: %v", err)
		}
	}
	t.Logf("seed %d (set DISKMAP_SEED=%d to repeat)", seed, seed)
	return seed
}

// longTests reports whether the long variants run: not with -short, and
// only with DISKMAP_LONG=1.
func longTests() bool { return !testing.Short() && os.Getenv("DISKMAP_LONG") == "1" }

// requireBytes fails the test unless m holds exactly want: every key of
// want with its value, and nothing else.
func requireBytes[K comparable](t *testing.T, m *diskmap.Map[K, []byte], want map[K][]byte) {
	t.Helper()
	if m.Len() != len(want) {
		t.Errorf("Len = %d, want %d", m.Len(), len(want))
	}
	for k, v := range m.All() {
		if w, ok := want[k]; !ok || !bytes.Equal(v, w) {
			t.Errorf("the map holds %v = %d bytes %.20q; want %d bytes %.20q (acknowledged: %v)", k, len(v), v, len(w), w, ok)
		}
	}
	for k, v := range want {
		if got, ok, err := m.Get(k); err != nil || !ok || !bytes.Equal(got, v) {
			t.Errorf("Get(%v) = %d bytes %.20q, %v, %v; want %d bytes %.20q", k, len(got), got, ok, err, len(v), v)
		}
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
}

// fakeClock is a clock for Options.Clock that moves only when a test moves
// it, so that tests of expiry need no sleeps.
type fakeClock struct{ ns atomic.Int64 }

// clockStart is where every fakeClock starts.
var clockStart = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(clockStart.UnixNano())
	return c
}

// Now is the clock's time.
func (c *fakeClock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Advance moves the clock on by d.
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// withClock returns a copy of opts (nil for the defaults) that reads c.
func withClock(opts *diskmap.Options, c *fakeClock) *diskmap.Options {
	var o diskmap.Options
	if opts != nil {
		o = *opts
	}
	o.Clock = c.Now
	return &o
}
