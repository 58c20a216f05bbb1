package workload

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// The scaling workload: a store loaded with N keys, then the same number
// of operations spread over 1, 2, 4, ... goroutines, GOMAXPROCS set to the
// number of goroutines, for two mixes: gets only, and nine gets to one Put.

// The mixes of the scaling workload.
const (
	MixGet   = "get"   // gets of loaded keys in get-hit's order
	MixWrite = "90/10" // the same, with every tenth operation a Put of its key
)

// ConcurrentWriters are the stores whose adapters take Puts from many
// goroutines at once: package concurrent (each shard a diskmap.Map behind a
// read-write lock) and pogreb (one lock around its writes). The others are
// not: a diskmap.Map is not safe for concurrent mutation (its doc), and the
// adapters of bbolt, badger and pebble gather the writes of a phase into one
// open transaction or batch, which no two goroutines may write at once.
// The 90/10 mix runs only for these.
var ConcurrentWriters = []string{"concurrent-view", "concurrent-get", "pogreb"}

// ScalingConfig says what RunScaling does.
type ScalingConfig struct {
	Procs  []int // the goroutine counts, each also GOMAXPROCS while it runs
	Repeat int   // runs of each point; the median counts
	Dir    string
}

// ScalingPoint is one mix at one goroutine count.
type ScalingPoint struct {
	Mix   string    `json:"mix"`
	Procs int       `json:"procs"`
	Ops   int       `json:"ops"`
	Nanos []int64   `json:"ns"`     // the wall time of each run
	CPU   []int64   `json:"cpu_ns"` // the CPU time of the process in each run, user and system
	Rates []float64 `json:"rates"`  // operations per second of wall time of each run
}

// OpsPerSec is the median of the runs' operations per second.
func (p ScalingPoint) OpsPerSec() float64 { return median(p.Rates) }

// OpsPerCPUSec is the median of the runs' operations per second of CPU
// time of the process: what the goroutines get done for the CPU they use,
// whatever else the machine runs; 0 where CPU time is not measured. If it
// holds as the goroutines grow, they do not slow each other down, and the
// wall-clock rate grows with them as far as there are idle cores.
func (p ScalingPoint) OpsPerCPUSec() float64 {
	var r []float64
	for _, c := range p.CPU {
		if c > 0 {
			r = append(r, float64(p.Ops)/(float64(c)/1e9))
		}
	}
	return median(r)
}

// ScalingResult is what RunScaling measured of one store.
type ScalingResult struct {
	Store  string         `json:"store"`
	N      int            `json:"n"`
	CPUs   int            `json:"cpus"`
	Points []ScalingPoint `json:"points"`
}

// Point returns the point of mix at procs goroutines, if it ran.
func (r *ScalingResult) Point(mix string, procs int) (ScalingPoint, bool) {
	for _, p := range r.Points {
		if p.Mix == mix && p.Procs == procs {
			return p, true
		}
	}
	return ScalingPoint{}, false
}

// RunScaling loads d into a store of kind k in cfg.Dir and runs each mix
// at each goroutine count of cfg.Procs: get for every store, 90/10 for
// the ConcurrentWriters. The Puts of the 90/10 mix write each key's loaded
// value again, so that every get, whatever the writes before it, must find
// its key with the loaded value; one value in 64 is compared.
func RunScaling(k stores.Kind, d *Data, cfg ScalingConfig) (res *ScalingResult, err error) {
	if len(cfg.Procs) == 0 || cfg.Repeat < 1 {
		return nil, errors.New("workload: scaling: no goroutine counts, or no runs")
	}
	for _, p := range cfg.Procs {
		if p < 1 {
			return nil, fmt.Errorf("workload: scaling: %d goroutines", p)
		}
	}
	r := &runner{kind: k, cfg: Config{N: d.N, Seed: d.Seed, Dir: cfg.Dir, NoLatency: true}, d: d, res: &Result{Store: k.Name}}
	if r.s, err = k.Open(cfg.Dir); err != nil {
		return nil, fmt.Errorf("%s: open: %w", k.Name, err)
	}
	defer func() { err = errors.Join(err, r.s.Close()) }()
	if err := r.load(); err != nil {
		return nil, fmt.Errorf("%s: load: %w", k.Name, err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	res = &ScalingResult{Store: k.Name, N: d.N, CPUs: runtime.NumCPU()}
	mixes := []string{MixGet}
	if slices.Contains(ConcurrentWriters, k.Name) {
		mixes = append(mixes, MixWrite)
	}
	for _, mix := range mixes {
		if _, _, err := r.reads(0, d.N, nil); err != nil { // warm the caches
			return nil, err
		}
		// The goroutine counts take turns, a run of each per round, so that
		// a drift of the machine's speed over the runs (another process, the
		// host) moves every count alike instead of the ratios between them.
		pts := make([]ScalingPoint, len(cfg.Procs))
		for i, procs := range cfg.Procs {
			pts[i] = ScalingPoint{Mix: mix, Procs: procs, Ops: d.N}
		}
		for range cfg.Repeat {
			for i := range pts {
				pt := &pts[i]
				ns, cpu, err := r.scalingRun(mix, pt.Procs)
				if err != nil {
					return nil, fmt.Errorf("%s: %s at %d goroutines: %w", k.Name, mix, pt.Procs, err)
				}
				pt.Nanos, pt.CPU = append(pt.Nanos, ns), append(pt.CPU, cpu)
				pt.Rates = append(pt.Rates, float64(d.N)/(float64(ns)/1e9))
			}
		}
		res.Points = append(res.Points, pts...)
		if mix == MixWrite {
			if err := r.s.Sync(); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// scalingRun runs get-hit's order split over procs goroutines with
// GOMAXPROCS procs, and returns its wall time and the CPU time the process
// used meanwhile.
func (r *runner) scalingRun(mix string, procs int) (wall, cpu int64, err error) {
	runtime.GOMAXPROCS(procs)
	runtime.GC()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, procs)
		n     = r.d.N
	)
	for g := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[g] = r.mixed(g*n/procs, (g+1)*n/procs, mix == MixWrite)
		}()
	}
	t0, c0 := time.Now(), cpuTime()
	close(start)
	wg.Wait()
	wall, cpu = time.Since(t0).Nanoseconds(), cpuTime()-c0
	return wall, cpu, errors.Join(errs...)
}

// mixed does the operations at positions [lo, hi) of get-hit's order:
// gets, and with writes a Put of its key's loaded value at every tenth
// position instead of the get.
func (r *runner) mixed(lo, hi int, writes bool) error {
	rd := newReader(r.kind, r.s)
	defer func() { sink.Add(int64(rd.sink)) }()
	for j := lo; j < hi; j++ {
		if writes && j%10 == 9 {
			if err := r.s.Put(at(r.d.hitKeys, j), r.d.Value(int(r.d.order[j]))); err != nil {
				return err
			}
			continue
		}
		// Only the checked gets look up the expected value: the others
		// read nothing of the workload's data but their key, laid out in
		// order.
		check := j&sampleMask == 0
		var want []byte
		if check {
			want = r.d.Value(int(r.d.order[j]))
		}
		ok, match, err := rd.get(at(r.d.hitKeys, j), want, check)
		if err != nil {
			return err
		}
		if !ok || (check && !match) {
			return fmt.Errorf("key %q: found %v, value matches %v", at(r.d.hitKeys, j), ok, match)
		}
	}
	return nil
}
