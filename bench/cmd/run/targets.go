package main

import (
	"fmt"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// target is one of the goals of the issue, judged on the headline size.
type target struct {
	what   string
	status string // "met", "missed" or "not measured"
	detail string
}

func (t target) line() string {
	return fmt.Sprintf("- **%s**: %s (%s)", t.status, t.what, t.detail)
}

// fastestPeer is the peer with the smallest value of metric name at s.
func fastestPeer(s *sizeResult, name string) (*row, float64, bool) {
	var best *row
	var bv float64
	for _, r := range s.rows {
		if r.err != "" || !stores.IsPeer(r.store) {
			continue
		}
		if v, ok := r.get(name); ok && (best == nil || v < bv) {
			best, bv = r, v
		}
	}
	return best, bv, best != nil
}

// judge collects the targets of one size.
type judge struct {
	s       *sizeResult
	builtin *row
	ts      []target
}

// add records a target: measured or not, met or not.
func (j *judge) add(what string, measured, met bool, detail string) {
	st := "not measured"
	if measured {
		st = "missed"
		if met {
			st = "met"
		}
	}
	if !measured && detail == "" {
		detail = "a row it needs is missing or failed"
	}
	j.ts = append(j.ts, target{what, st, detail})
}

// within: metric of r at most limit times the built-in map's.
func (j *judge) within(what string, r *row, metric string, limit float64) {
	x, ok1 := r.get(metric)
	y, ok2 := j.builtin.get(metric)
	if !ok1 || !ok2 || y <= 0 {
		j.add(what, false, false, "")
		return
	}
	q := x / y
	j.add(what, true, q <= limit, fmt.Sprintf("%s ns against %s ns: %s, at most %.1fx", nsop(x), nsop(y), ratio(q), limit))
}

// faster: metric of r at least factor times smaller than the fastest peer's.
func (j *judge) faster(what string, r *row, metric string, factor float64) {
	x, ok1 := r.get(metric)
	p, y, ok2 := fastestPeer(j.s, metric)
	if !ok1 || !ok2 || x <= 0 {
		j.add(what, false, false, "")
		return
	}
	q := y / x
	j.add(what, true, q >= factor, fmt.Sprintf("%s ns against %s %s ns: %s faster, at least %.1fx", nsop(x), p.store, nsop(y), ratio(q), factor))
}

// allocs: at most limit allocations per call. Mallocs counts the whole
// process over the phase, so a handful of runtime allocations over n reads
// show as 0.00 and count as none.
func (j *judge) allocs(what string, r *row, metric string, limit float64) {
	x, ok := r.get(metric)
	if !ok {
		j.add(what, false, false, "")
		return
	}
	j.add(what, true, x < limit+0.005, fmt.Sprintf("%.2f per call, at most %.0f", x, limit))
}

func (j *judge) reopen(r *row) {
	const what = "reopen under 1 ms after a clean close"
	x, ok := r.get(mReopen)
	if !ok {
		j.add(what, false, false, "")
		return
	}
	j.add(what, true, x < 1e6, dur(x)+", Open and one Get")
}

func (j *judge) compacted(r *row) {
	const what = "disk after Compact at most 1.4x the raw key and value bytes"
	x, ok := r.get(mCompacted)
	if !ok {
		j.add(what, false, false, "")
		return
	}
	raw := float64(workload.RawBytes(j.s.n))
	live, _ := r.get(mLive)
	liveRaw := float64(workload.RawBytes(int(live)))
	j.add(what, true, x <= 1.4*raw, fmt.Sprintf("%s allocated for n x 116 B = %s: %s; against the %s keys left after delete: %s",
		mib(x), mib(raw), ratio(x/raw), count(int(live)), ratio(x/liveRaw)))
}

// parallel: package concurrent's readers on GOMAXPROCS goroutines at
// least 1.8 times as fast as on one; with the plain map's figure for
// reference when package concurrent is not in the table.
func (j *judge) parallel(c, plain *row) {
	const what = "parallel get through package concurrent at least 1.8x its single-goroutine figure"
	x, ok := c.get(mSpeedupPar)
	if !ok {
		d := "package concurrent is not in the table"
		if x, ok := plain.get(mSpeedupPar); ok {
			procs, _ := plain.get(mProcs)
			d += fmt.Sprintf("; the plain map's readers reach %s with %.0f goroutines", ratio(x), procs)
		}
		j.add(what, false, false, d)
		return
	}
	procs, _ := c.get(mProcs)
	one, _ := c.get(mGetHit)
	par, _ := c.get(mParallel)
	j.add(what, true, x >= 1.8, fmt.Sprintf("%s ns per get on one goroutine, %s ns of wall time per get on %.0f: %s, at least 1.8x",
		nsop(one), nsop(par), procs, ratio(x)))
}

// targets judges every goal on the headline size.
func (rep *report) targets() []target {
	s := rep.headline()
	if s == nil {
		return nil
	}
	v, g := s.row(viewRow), s.row(getRow)
	j := &judge{s: s, builtin: s.row(builtinRow)}
	j.within("get-hit through View within 1.5x of the built-in map", v, mGetHit, 1.5)
	j.faster("get-hit through View at least 3x faster than the fastest peer", v, mGetHit, 3)
	j.within("get-hit through Get, with its copy, within 2x of the built-in map", g, mGetHit, 2)
	j.within("get-miss within 2x of the built-in map", v, mGetMiss, 2)
	j.within("load within 1.2x of the built-in map", v, mLoad, 1.2)
	j.faster("load at least 2.5x faster than the fastest peer", v, mLoad, 2.5)
	j.within("update within 1.5x of the built-in map", v, mUpdate, 1.5)
	j.within("delete within 1.5x of the built-in map, Sync included", v, mDelete, 1.5)
	j.within("delete within 1.5x of the built-in map, Sync included, in DurabilityWAL", s.row(walViewRow), mDelete, 1.5)
	j.reopen(v)
	j.compacted(v)
	j.allocs("0 allocations per View", v, mAllocHit, 0)
	j.allocs("0 allocations per Contains", v, mAllocCont, 0)
	j.allocs("at most 1 allocation per Get of []byte", g, mAllocHit, 1)
	j.parallel(s.row(parallelRow), v)
	return j.ts
}
