package maptest

import (
	"sync/atomic"
	"time"

	"github.com/diskmap-go/diskmap"
)

// ClockStart is where every Clock starts.
var ClockStart = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// A Clock is a time for Options.Clock that moves only when a test moves
// it, so that tests of expiry need no sleeps. It is safe for concurrent
// use, as Options.Clock must be.
type Clock struct{ ns atomic.Int64 }

// NewClock returns a Clock that stands at ClockStart.
func NewClock() *Clock {
	c := &Clock{}
	c.ns.Store(ClockStart.UnixNano())
	return c
}

// Now is the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()) }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// WithClock returns a copy of opts (nil for the defaults) whose
// Options.Clock reads c.
func WithClock(opts *diskmap.Options, c *Clock) *diskmap.Options {
	var o diskmap.Options
	if opts != nil {
		o = *opts
	}
	o.Clock = c.Now
	return &o
}
