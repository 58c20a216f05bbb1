package main

import (
	"fmt"
	"time"
)

// gaps counts the long gaps between consecutive readings of the clock in a
// loop that does nothing else: times the machine took the thread away.
type gaps struct {
	over1ms, over2ms, over10ms int
	longest                    time.Duration
}

// control reads the clock in a loop for d and counts its gaps. Run after
// the load, for as long as the load took, it is the same run's baseline
// for the longest Puts: a stall it sees is the machine's (the scheduler,
// the hypervisor), with no map and no work of one beside it.
func control(d time.Duration) gaps {
	var g gaps
	start := time.Now()
	last := start
	for last.Sub(start) < d {
		now := time.Now()
		g.add(now.Sub(last))
		last = now
	}
	return g
}

// add counts one gap between two readings of the clock.
func (g *gaps) add(gap time.Duration) {
	if gap <= time.Millisecond {
		return
	}
	g.over1ms++
	if gap > 2*time.Millisecond {
		g.over2ms++
	}
	if gap > 10*time.Millisecond {
		g.over10ms++
	}
	g.longest = max(g.longest, gap)
}

func (g gaps) String() string {
	return fmt.Sprintf("gaps over 1ms: %d, over 2ms: %d, over 10ms: %d, longest %v",
		g.over1ms, g.over2ms, g.over10ms, g.longest)
}
