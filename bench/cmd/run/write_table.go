package main

import (
	"fmt"
	"strings"
)

// writePhases are the phases that end with a Sync, in the order of the
// columns of writeTables.
var writePhases = []string{mLoad, mUpdate, mDelete}

// writeNote says what the write phases' split means.
const writeNote = "Where the time of the write phases goes: each phase's time per key split into its operations and the one Sync that ends it, " +
	"and the bytes per key that the phase made the disk write, from the growth of /proc/self/io's write_bytes over the phase " +
	"(Linux counts a page of a shared mapping once, when the process first dirties it after it was last written back, and the bytes of every write(2)). " +
	"A store that writes through a memory mapping, as diskmap and bbolt do, dirties whole 4 KiB pages: a random delete or update dirties the page of its slot: " +
	"at n = 1,000,000 diskmap's table is 32 MiB, 8,192 pages, and its 100,000 random deletes leave nearly every page dirty, so their Sync writes the whole table. " +
	"In DurabilityWAL (diskmap-wal-view) the Sync writes the log's records instead, and the table reaches the disk later, at a checkpoint."

// writeTables is a table per size: each store's write phases, operations,
// Sync and bytes written per key.
func (rep *report) writeTables(s *sizeResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n#### n = %s\n\n| store |", count(s.n))
	for _, ph := range writePhases {
		fmt.Fprintf(&b, " %s: operations ns/key | %s: Sync ns/key | %s: written B/key |", ph, ph, ph)
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|", 3*len(writePhases)) + "\n")
	for _, r := range s.rows {
		fmt.Fprintf(&b, "| %s |", r.store)
		for _, ph := range writePhases {
			fmt.Fprintf(&b, " %s | %s | %s |", cell(r, ph+mOps, nsop), cell(r, ph+mSync, nsop), cell(r, ph+mWritten, func(v float64) string { return fmt.Sprintf("%.0f", v) }))
		}
		b.WriteString("\n")
	}
	return b.String()
}
