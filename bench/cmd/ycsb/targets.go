package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// target is the throughput diskmap must reach on a workload, as a multiple
// of the best peer's.
func target(w string) float64 {
	if w == "D" {
		return 2
	}
	return 3
}

// judged are the diskmap kinds the targets weigh against the best peer.
var judged = []string{"diskmap-view", "diskmap-get", "concurrent-view", "concurrent-get"}

// verdict is one diskmap kind against the best peer on one workload at one
// client count.
type verdict struct {
	workload, store, peer string
	clients               int
	ops, peerOps, ratio   float64
	met                   bool
}

// verdicts weighs every judged kind against the best peer that ran at the
// same client count, for each workload.
func (rep *report) verdicts() []verdict {
	var vs []verdict
	for i, w := range rep.cfg.workloads {
		for _, c := range rep.counts() {
			peer, peerOps := "", 0.0
			for _, r := range rep.results {
				if r.Clients == c && stores.IsPeer(r.Store) && i < len(r.Workloads) && r.Workloads[i].OpsPerSec > peerOps {
					peer, peerOps = r.Store, r.Workloads[i].OpsPerSec
				}
			}
			if peer == "" {
				continue
			}
			for _, s := range judged {
				for _, r := range rep.results {
					if r.Store != s || r.Clients != c || i >= len(r.Workloads) {
						continue
					}
					ops := r.Workloads[i].OpsPerSec
					vs = append(vs, verdict{workload: w.Name, store: s, peer: peer, clients: c, ops: ops,
						peerOps: peerOps, ratio: ops / peerOps, met: ops >= target(w.Name)*peerOps})
				}
			}
		}
	}
	return vs
}

// counts returns the client counts that ran, in run order.
func (rep *report) counts() []int {
	var cs []int
	seen := map[int]bool{}
	for _, r := range rep.results {
		if !seen[r.Clients] {
			seen[r.Clients] = true
			cs = append(cs, r.Clients)
		}
	}
	return cs
}

// targets is the table of verdicts: one row per workload and client
// count, one column per judged kind.
func (rep *report) targets() string {
	var b strings.Builder
	b.WriteString("Target: at least 3x the throughput of the best peer (bbolt, pogreb, badger, pebble) at the same client count on workloads A, B, C and F, at least 2x on D. Each cell is the kind's throughput over the best peer's.\n\n")
	b.WriteString("| workload | clients | best peer | " + strings.Join(judged, " | ") + " |\n|---|--:|---|" + strings.Repeat("--:|", len(judged)) + "\n")
	type row struct {
		w string
		c int
	}
	cells := map[row]map[string]verdict{}
	var rows []row
	for _, v := range rep.verdicts() {
		k := row{v.workload, v.clients}
		if cells[k] == nil {
			cells[k] = map[string]verdict{}
			rows = append(rows, k)
		}
		cells[k][v.store] = v
	}
	for _, k := range rows {
		var any verdict
		for _, v := range cells[k] {
			any = v
		}
		fmt.Fprintf(&b, "| %s (%.0fx) | %d | %s %s/s |", k.w, target(k.w), k.c, any.peer, rate(any.peerOps))
		for _, s := range judged {
			v, ok := cells[k][s]
			if !ok {
				b.WriteString(" — |")
				continue
			}
			word := "missed"
			if v.met {
				word = "met"
			}
			fmt.Fprintf(&b, " %.2fx %s |", v.ratio, word)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// summary is the section of RESULTS.md: the targets and where the rest is.
func (rep *report) summary() string {
	var b strings.Builder
	b.WriteString("## YCSB core workloads\n\n")
	fmt.Fprintf(&b, "`%s` (from bench/): %s records of 1,000 bytes, %s operations per workload, workloads %s on one load; GOMAXPROCS %d on a shared machine (load average %s before, %s after). Full tables, latencies per operation, charts and settings: [RESULTS-ycsb.md](RESULTS-ycsb.md).\n\n",
		rep.command(), count(rep.cfg.records), count(rep.cfg.ops), names(rep.cfg.workloads), runtime.GOMAXPROCS(0), rep.loadBefore, rep.loadAfter)
	b.WriteString(rep.targets())
	for _, v := range rep.verdicts() {
		if !v.met {
			b.WriteString("Where a missed target's time goes, from CPU profiles of the child: the notes after the tables in [RESULTS-ycsb.md](RESULTS-ycsb.md).\n")
			break
		}
	}
	return b.String()
}
