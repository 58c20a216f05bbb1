package workload

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// Overhead is what the per-operation timing costs one read phase of one
// store: the fastest of several passes with the timing and of as many
// without, in the same process over the same loaded store, the two kinds
// of pass taking turns. A pass is timed in CPU time of the process (user
// and system, where the system reports it; else wall time), so that on a
// shared machine the time the pass waited for a core counts in neither.
type Overhead struct {
	Store string  `json:"store"`
	Phase string  `json:"phase"`  // get-hit or get-miss
	Off   float64 `json:"off_ns"` // ns per get, untimed
	On    float64 `json:"on_ns"`  // ns per get, one in LatencyEvery timed
}

// Ratio is the time with the timing over the time without.
func (o Overhead) Ratio() float64 { return o.On / o.Off }

// MeasureOverhead loads d into a store of kind k in dir, then runs
// get-hit's and get-miss's loops passes times each with and without the
// per-operation timing, and returns the two phases' overheads.
func MeasureOverhead(k stores.Kind, d *Data, dir string, passes int) (out []Overhead, err error) {
	if passes < 1 {
		return nil, errors.New("workload: overhead: passes must be at least 1")
	}
	r := &runner{kind: k, cfg: Config{N: d.N, Seed: d.Seed, Dir: dir}, d: d, res: &Result{Store: k.Name}}
	if r.s, err = k.Open(dir); err != nil {
		return nil, fmt.Errorf("%s: open: %w", k.Name, err)
	}
	defer func() { err = errors.Join(err, r.s.Close()) }()
	if err := r.load(); err != nil {
		return nil, err
	}
	loops := []struct {
		name string
		run  func(h *hist.Hist) error
	}{
		{"get-hit", func(h *hist.Hist) error { _, _, err := r.reads(0, d.N, h); return err }},
		{"get-miss", func(h *hist.Hist) error { return r.misses(h) }},
	}
	h := hist.New()
	for _, l := range loops {
		o := Overhead{Store: k.Name, Phase: l.name}
		if err := l.run(nil); err != nil { // a pass to warm the caches
			return nil, err
		}
		for range passes {
			for _, timed := range []bool{false, true} {
				var use *hist.Hist
				if timed {
					use = h
				}
				runtime.GC()
				start, cpu := time.Now(), cpuTime()
				if err := l.run(use); err != nil {
					return nil, err
				}
				spent := cpuTime() - cpu
				if spent <= 0 {
					spent = time.Since(start).Nanoseconds()
				}
				ns := float64(spent) / float64(d.N)
				best := &o.Off
				if timed {
					best = &o.On
				}
				if *best == 0 || ns < *best {
					*best = ns
				}
			}
		}
		out = append(out, o)
	}
	return out, nil
}
