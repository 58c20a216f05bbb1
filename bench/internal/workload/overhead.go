package workload

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// OverheadChunk is how many operations one timed piece of the overhead
// check runs: short enough that most pieces run without another process
// taking the core, long enough that the clock reads around it cost
// nothing.
const OverheadChunk = 20_000

// Overhead is what the per-operation timing costs one read loop of one
// store. The loop runs in pieces of OverheadChunk operations, each piece
// twice at once, untimed and timed (in turns, which first), so that the two
// of a pair see the same state of the machine; Ratio is the median of the
// pairs' ratios, so that the pairs a busy machine slowed count little.
type Overhead struct {
	Store string  `json:"store"`
	Phase string  `json:"phase"`  // get-hit or get-miss
	Off   float64 `json:"off_ns"` // median ns per operation of the untimed pieces
	On    float64 `json:"on_ns"`  // median ns per operation of the timed pieces
	Pairs int     `json:"pairs"`
	Ratio float64 `json:"ratio"` // median over the pairs of timed ÷ untimed
}

// MeasureOverhead loads d into a store of kind k in dir, then runs
// get-hit's and get-miss's loops passes times over every key, in pairs of
// pieces with and without the per-operation timing, and returns the two
// loops' overheads.
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
		run  func(lo, hi int, h *hist.Hist) error
	}{
		{"get-hit", func(lo, hi int, h *hist.Hist) error { _, _, err := r.reads(lo, hi, h); return err }},
		{"get-miss", r.missRange},
	}
	h := hist.New()
	for _, l := range loops {
		if err := l.run(0, d.N, nil); err != nil { // a pass to warm the caches
			return nil, err
		}
		var off, on, ratios []float64
		for pass := range passes {
			for lo := 0; lo < d.N; lo += OverheadChunk {
				hi := min(lo+OverheadChunk, d.N)
				var ns [2]float64 // untimed, timed
				for i := range 2 {
					timed := (i+pass+lo/OverheadChunk)%2 == 1
					var use *hist.Hist
					if timed {
						use = h
					}
					start := time.Now()
					if err := l.run(lo, hi, use); err != nil {
						return nil, err
					}
					t := float64(time.Since(start).Nanoseconds()) / float64(hi-lo)
					if timed {
						ns[1] = t
					} else {
						ns[0] = t
					}
				}
				off, on, ratios = append(off, ns[0]), append(on, ns[1]), append(ratios, ns[1]/ns[0])
			}
		}
		out = append(out, Overhead{Store: k.Name, Phase: l.name, Off: median(off), On: median(on), Pairs: len(ratios), Ratio: median(ratios)})
	}
	return out, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
