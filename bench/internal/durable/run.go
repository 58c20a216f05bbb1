package durable

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// Config is one run of the workload against one store.
type Config struct {
	// Writers is the number of goroutines writing at once.
	Writers int
	// Duration is how long the writers write; MaxWrites, if above 0, ends
	// the run sooner, once that many writes have returned in all.
	Duration  time.Duration
	MaxWrites int
	// ValueSize is the size of every value; keys are KeySize bytes.
	ValueSize int
	// Seed picks the keys and values.
	Seed uint64
	// Dir is the store's directory, existing and empty.
	Dir string
}

// Result is what one run measured.
type Result struct {
	Store     string `json:"store"`
	Writers   int    `json:"writers"`
	ValueSize int    `json:"value_bytes"`
	// Writes is how many Puts returned, each durable, in Nanos of wall
	// time from the start of the first writer to the end of the last.
	Writes int   `json:"writes"`
	Nanos  int64 `json:"ns"`
	// Latency is the time of each Put, of every writer.
	Latency hist.Summary `json:"latency"`
	// Checked is how many writes were read back, after a reopen, and found
	// right: all of them.
	Checked int `json:"checked"`
}

// PerSecond returns the synced writes per second.
func (r *Result) PerSecond() float64 { return perSecond(r.Writes, r.Nanos) }

// Run opens k in cfg.Dir, lets cfg.Writers goroutines put fresh keys into
// it until cfg.Duration passes (or cfg.MaxWrites writes return), each
// timing each of its Puts, then closes the store, opens it again and reads
// back every key written.
func Run(k Kind, cfg Config) (*Result, error) {
	if cfg.Writers < 1 || cfg.ValueSize < 0 || cfg.Duration <= 0 || cfg.Dir == "" {
		return nil, fmt.Errorf("durable: a run needs at least 1 writer, a duration, a value size of 0 or more and a directory")
	}
	w, err := k.Open(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", k.Name, err)
	}
	counts, h, nanos, err := write(w, cfg)
	if err = errors.Join(err, w.Close()); err != nil {
		return nil, fmt.Errorf("%s: %w", k.Name, err)
	}
	res := &Result{Store: k.Name, Writers: cfg.Writers, ValueSize: cfg.ValueSize, Nanos: nanos, Latency: h.Summary()}
	for _, c := range counts {
		res.Writes += c
	}
	if res.Checked, err = check(k, cfg, counts); err != nil {
		return nil, fmt.Errorf("%s: reading back: %w", k.Name, err)
	}
	return res, nil
}

// write runs the writers and returns how many writes each made, the
// merged histogram of their latencies and the wall time of the whole.
func write(w Writer, cfg Config) ([]int, *hist.Hist, int64, error) {
	counts := make([]int, cfg.Writers)
	hists := make([]*hist.Hist, cfg.Writers)
	errs := make([]error, cfg.Writers)
	var total atomic.Int64 // writes begun, against MaxWrites
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for g := range cfg.Writers {
		hists[g] = hist.New()
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, v := make([]byte, KeySize), make([]byte, cfg.ValueSize)
			for i := 0; ; i++ {
				if cfg.MaxWrites > 0 && total.Add(1) > int64(cfg.MaxWrites) {
					return
				}
				key(k, id(g, i), cfg.Seed)
				value(v, id(g, i), cfg.Seed)
				t := time.Now()
				if err := w.Put(k, v); err != nil {
					errs[g] = fmt.Errorf("writer %d, write %d: %w", g, i, err)
					return
				}
				end := time.Now()
				hists[g].Add(end.Sub(t))
				counts[g]++
				if end.After(deadline) {
					return
				}
			}
		}()
	}
	wg.Wait()
	nanos := int64(time.Since(start))
	merged := hist.New()
	for _, h := range hists {
		merged.Merge(h)
	}
	return counts, merged, nanos, errors.Join(errs...)
}

// check opens k again in cfg.Dir and reads every write of counts back.
func check(k Kind, cfg Config, counts []int) (n int, err error) {
	w, err := k.Open(cfg.Dir)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	kb, want := make([]byte, KeySize), make([]byte, cfg.ValueSize)
	for g, c := range counts {
		for i := range c {
			key(kb, id(g, i), cfg.Seed)
			value(want, id(g, i), cfg.Seed)
			got, ok, err := w.Get(kb)
			if err != nil {
				return n, err
			}
			if !ok {
				return n, fmt.Errorf("writer %d, write %d: key missing", g, i)
			}
			if !bytes.Equal(got, want) {
				return n, fmt.Errorf("writer %d, write %d: value of %d bytes differs from the one written", g, i, len(got))
			}
			n++
		}
	}
	return n, nil
}
