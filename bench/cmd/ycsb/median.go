package main

import (
	"sort"

	"github.com/diskmap-go/diskmap/bench/internal/ycsb"
)

// medians folds the runs of each store and client count into one result,
// in the order they first ran: the load and each workload are the run of
// median throughput, its latencies with it.
func medians(all []*ycsb.Result) []*ycsb.Result {
	type key struct {
		store   string
		clients int
	}
	groups := map[key][]*ycsb.Result{}
	var order []key
	for _, r := range all {
		k := key{r.Store, r.Clients}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []*ycsb.Result
	for _, k := range order {
		rs := groups[k]
		m := &ycsb.Result{Store: k.store, Clients: k.clients, Records: rs[0].Records}
		m.Load = median(rs, func(r *ycsb.Result) ycsb.Phase { return r.Load })
		for i := range rs[0].Workloads {
			m.Workloads = append(m.Workloads, median(rs, func(r *ycsb.Result) ycsb.Phase { return r.Workloads[i] }))
		}
		out = append(out, m)
	}
	return out
}

// median returns the phase of median throughput among the runs (the lower
// middle one of an even count).
func median(rs []*ycsb.Result, phase func(*ycsb.Result) ycsb.Phase) ycsb.Phase {
	ps := make([]ycsb.Phase, len(rs))
	for i, r := range rs {
		ps[i] = phase(r)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].OpsPerSec < ps[j].OpsPerSec })
	return ps[(len(ps)-1)/2]
}
