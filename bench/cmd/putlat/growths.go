package main

import "time"

// growthWindow is how many Puts after the start of a growth of the table
// growths counts: the first writes into the new table, before its pages
// are all mapped in if they were not beforehand.
const growthWindow = 30000

// growths counts, for each growth of the table, the Puts over slowPut
// among the growthWindow Puts from its start on.
type growths struct {
	at   []int // the index of the Put each growth was first seen after
	slow []int // slow[k]: Puts over slowPut in the window of growth k
}

// began records that a growth began at or before Put i.
func (g *growths) began(i int) {
	g.at = append(g.at, i)
	g.slow = append(g.slow, 0)
}

// add counts Put i, which took d, in the window it falls in, if any.
func (g *growths) add(i int, d time.Duration) {
	if k := len(g.at) - 1; k >= 0 && i < g.at[k]+growthWindow && d > slowPut {
		g.slow[k]++
	}
}
