package main

import (
	"sort"

	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// Metric names of a row. Times per operation are in nanoseconds; sizes in
// bytes.
const (
	mLoad        = "load"      // ns per key, Sync included
	mClose       = "close"     // ns, the Close before reopen
	mReopen      = "reopen"    // ns, Open and one Get
	mGetFirst    = "get-first" // ns per Get, the first pass of get-hit
	mGetHit      = "get-hit"   // ns per Get
	mGetBatch    = "get-batch" // ns per key read in batches
	mGetMiss     = "get-miss"  // ns per Get
	mContains    = "contains"  // ns per Contains
	mParallel    = "parallel"  // ns per Get, wall time over all goroutines
	mUpdate      = "update"    // ns per key, Sync included
	mDelete      = "delete"    // ns per key, Sync included
	mDisk        = "disk"      // bytes allocated after Close
	mDiskApp     = "disk-apparent"
	mCompacted   = "compacted" // bytes allocated after Compact and Close
	mCompApp     = "compacted-apparent"
	mAllocHit    = "allocs/get-hit"
	mAllocMiss   = "allocs/get-miss"
	mAllocCont   = "allocs/contains"
	mRSSPeak     = "rss"
	mRSSBase     = "rss-base"
	mSpeedupPar  = "parallel-speedup" // get-hit ns / parallel ns, per run
	mProcs       = "procs"
	mHitFound    = "get-hit-found"
	mHitChecked  = "get-hit-checked"
	mMissFound   = "get-miss-found"
	mParFound    = "parallel-found"
	mLive        = "live"
	mNanosTotal  = "total-ns"
	mReopenFound = "reopen-found"
)

// The suffixes of a phase's quantiles of single operations (see
// workload.LatencyEvery), in nanoseconds: "get-hit/p99".
const (
	mP50  = "/p50"
	mP99  = "/p99"
	mP999 = "/p99.9"
	mMax  = "/max"
)

// The suffixes of a write phase's split (see workload.Phase): the Sync's
// nanoseconds per key, and the bytes the disk was made to write per key.
const (
	mSync    = "/sync"
	mOps     = "/ops" // the rest of the phase: its operations
	mWritten = "/written"
)

// row is one store at one n: the median of each metric over its runs.
type row struct {
	store string
	runs  int
	err   string
	m     map[string]float64
}

func (r *row) get(name string) (float64, bool) {
	if r == nil || r.m == nil {
		return 0, false
	}
	v, ok := r.m[name]
	return v, ok
}

// sizeResult is every store at one n.
type sizeResult struct {
	n       int
	rows    []*row
	latency float64 // ns of one dependent read from memory (memLatency)
}

func (s *sizeResult) row(store string) *row {
	for _, r := range s.rows {
		if r.store == store && r.err == "" {
			return r
		}
	}
	return nil
}

// metrics flattens one run's result.
func metrics(res *workload.Result) map[string]float64 {
	m := map[string]float64{}
	for _, p := range res.Phases {
		switch p.Name {
		case "close", "reopen", "compact":
			m[p.Name] = float64(p.Nanos)
		default:
			m[p.Name] = p.NsPerOp()
			m["allocs/"+p.Name] = p.AllocsPerOp()
		}
		m[mNanosTotal] += float64(p.Nanos)
		if p.SyncNanos > 0 {
			m[p.Name+mSync] = float64(p.SyncNanos) / float64(max(p.Ops, 1))
			m[p.Name+mOps] = float64(p.Nanos-p.SyncNanos) / float64(max(p.Ops, 1))
		}
		if p.Written > 0 {
			m[p.Name+mWritten] = float64(p.Written) / float64(max(p.Ops, 1))
		}
		if l := p.Latency; l != nil {
			m[p.Name+mP50], m[p.Name+mP99] = float64(l.P50), float64(l.P99)
			m[p.Name+mP999], m[p.Name+mMax] = float64(l.P999), float64(l.Max)
		}
	}
	if p, ok := res.Phase("get-hit"); ok {
		m[mHitFound], m[mHitChecked] = float64(p.Found), float64(p.Checked)
	}
	if p, ok := res.Phase("get-miss"); ok {
		m[mMissFound] = float64(p.Found)
	}
	if p, ok := res.Phase("reopen"); ok {
		m[mReopenFound] = float64(p.Found)
	}
	if p, ok := res.Phase("parallel"); ok {
		m[mParFound], m[mProcs] = float64(p.Found), float64(p.Procs)
		if h, ok := res.Phase("get-hit"); ok && p.NsPerOp() > 0 {
			m[mSpeedupPar] = h.NsPerOp() / p.NsPerOp()
		}
	}
	if res.Disk != nil {
		m[mDisk], m[mDiskApp] = float64(res.Disk.Blocks), float64(res.Disk.Apparent)
	}
	if res.Compacted != nil {
		m[mCompacted], m[mCompApp] = float64(res.Compacted.Blocks), float64(res.Compacted.Apparent)
	}
	m[mLive] = float64(res.Live)
	if res.RSSPeak > 0 {
		m[mRSSPeak], m[mRSSBase] = float64(res.RSSPeak), float64(res.RSSBase)
	}
	return m
}

// summarize takes the median of every metric over each store's runs.
func summarize(n int, order []string, results map[string][]*workload.Result, failures map[string]string) *sizeResult {
	s := &sizeResult{n: n}
	for _, store := range order {
		r := &row{store: store, err: failures[store], runs: len(results[store])}
		if r.err == "" {
			samples := map[string][]float64{}
			for _, res := range results[store] {
				for k, v := range metrics(res) {
					samples[k] = append(samples[k], v)
				}
			}
			r.m = map[string]float64{}
			for k, vs := range samples {
				r.m[k] = median(vs)
			}
		}
		s.rows = append(s.rows, r)
	}
	return s
}

func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
