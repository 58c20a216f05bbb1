// Package sizes runs the value-size workload: one store loads n keys with
// values of one size, reads every key back in random order, and updates
// every key with a new value of the same size, each call timed, so that a
// series of runs shows where each store stops being fast as values grow.
package sizes

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// Phases are the phases of a run, in order.
var Phases = []string{"load", "get-hit", "update"}

// DefaultSyncBytes is how many bytes of values a write phase puts between
// two Syncs by default.
const DefaultSyncBytes = 4 << 20

// Config is one run of the workload against one store.
type Config struct {
	// Size is the size of every value, at least MinValue; keys are
	// KeySize bytes.
	Size int
	// N is the number of keys.
	N int
	// SyncBytes is how many bytes of values a write phase puts between
	// two Syncs, which commit what the store batches and flush it: at most
	// a few MiB, so that no transaction grows past what a store takes in
	// one (badger refuses one of more than about 10 MB). 0 means
	// DefaultSyncBytes. Each phase ends with a Sync too.
	SyncBytes int64
	// Seed picks the keys, the values and the order of the reads.
	Seed uint64
	// Dir is the store's directory, existing and empty.
	Dir string
}

// Phase is what one phase measured. Nanos is the sum of the timed calls
// (every Put, Get or View and every Sync), which leaves out making the
// keys and values; SyncNanos is the Syncs' part of it.
type Phase struct {
	Name      string       `json:"name"`
	Nanos     int64        `json:"ns"`
	Syncs     int          `json:"syncs"`
	SyncNanos int64        `json:"sync_ns"`
	Latency   hist.Summary `json:"latency"`
}

// NsPerOp returns the phase's time per key.
func (p Phase) NsPerOp(n int) float64 { return float64(p.Nanos) / float64(max(n, 1)) }

// MBPerSec returns the bytes of values moved per second, in millions.
func (p Phase) MBPerSec(n, size int) float64 {
	if p.Nanos <= 0 {
		return 0
	}
	return float64(n) * float64(size) / float64(p.Nanos) * 1e3
}

// Result is what one run measured.
type Result struct {
	Store  string  `json:"store"`
	Size   int     `json:"value_bytes"`
	N      int     `json:"n"`
	Phases []Phase `json:"phases"`
	// Checked is how many keys were read back in full, untimed, after the
	// update, and found right.
	Checked int `json:"checked"`
}

// Phase returns the phase called name, or nil.
func (r *Result) Phase(name string) *Phase {
	for i := range r.Phases {
		if r.Phases[i].Name == name {
			return &r.Phases[i]
		}
	}
	return nil
}

// maxChecked is how many keys at most the final check reads back in full.
const maxChecked = 10_000

// Run opens k in cfg.Dir and runs the phases against it. Each timed read
// compares its value in full with the one written; after the update, up
// to 10,000 keys spread over the whole range are read back and compared.
func Run(k stores.Kind, cfg Config) (res *Result, err error) {
	if cfg.Size < MinValue || cfg.N < 1 || cfg.Dir == "" {
		return nil, fmt.Errorf("sizes: a run needs values of at least %d bytes, at least 1 key and a directory (got %d bytes, %d keys)", MinValue, cfg.Size, cfg.N)
	}
	if cfg.SyncBytes == 0 {
		cfg.SyncBytes = DefaultSyncBytes
	}
	s, err := k.Open(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", k.Name, err)
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	order := rand.New(rand.NewPCG(cfg.Seed, 0x73697a6573)).Perm(cfg.N)
	r := &runner{s: s, cfg: cfg, slots: newSlots(cfg.Size, cfg.SyncBytes)}
	if k.ReadsView {
		if r.view, _ = s.(stores.Viewer); r.view == nil {
			return nil, fmt.Errorf("%s reads through View but has none", k.Name)
		}
	}
	res = &Result{Store: k.Name, Size: cfg.Size, N: cfg.N}
	for _, name := range Phases {
		var p Phase
		switch name {
		case "load":
			p, err = r.write(identity(cfg.N), 0)
		case "get-hit":
			p, err = r.read(order, 0)
		case "update":
			p, err = r.write(order, 1)
		}
		if err != nil {
			return nil, fmt.Errorf("%s, %d-byte values, %s: %w", k.Name, cfg.Size, name, err)
		}
		p.Name = name
		res.Phases = append(res.Phases, p)
	}
	if res.Checked, err = r.check(1); err != nil {
		return nil, fmt.Errorf("%s, %d-byte values, reading back: %w", k.Name, cfg.Size, err)
	}
	return res, nil
}

// identity returns 0, 1, ..., n-1: the load writes the keys in order.
func identity(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	return o
}

// runner is the state of one run.
type runner struct {
	s     stores.Store
	view  stores.Viewer // set when the kind reads through View
	cfg   Config
	slots *slots
}

// write puts the keys of order, with the values of generation gen, a Sync
// each time the slots are full and one at the end.
func (r *runner) write(order []int, gen uint64) (Phase, error) {
	h := hist.New()
	var p Phase
	sync := func() error {
		t := time.Now()
		err := r.s.Sync()
		d := int64(time.Since(t))
		p.Nanos += d
		p.SyncNanos += d
		p.Syncs++
		r.slots.reset()
		return err
	}
	for _, i := range order {
		if r.slots.full() {
			if err := sync(); err != nil {
				return p, err
			}
		}
		k, v := r.slots.take()
		key(k, i, r.cfg.Seed)
		value(v, i, gen, r.cfg.Seed)
		t := time.Now()
		err := r.s.Put(k, v)
		d := time.Since(t)
		if err != nil {
			return p, fmt.Errorf("key %d: %w", i, err)
		}
		h.Add(d)
		p.Nanos += int64(d)
	}
	err := sync()
	p.Latency = h.Summary()
	return p, err
}

// read reads the keys of order, comparing each value in full with
// generation gen's inside the timed call: so a read that hands the value
// over in place (View, the built-in map) pays for touching its bytes, as
// one that copies them does.
func (r *runner) read(order []int, gen uint64) (Phase, error) {
	h := hist.New()
	var p Phase
	k, want := make([]byte, KeySize), make([]byte, r.cfg.Size)
	for _, i := range order {
		key(k, i, r.cfg.Seed)
		value(want, i, gen, r.cfg.Seed)
		same := false
		t := time.Now()
		found, err := r.get(k, func(v []byte) { same = bytes.Equal(v, want) })
		d := time.Since(t)
		switch {
		case err != nil:
			return p, fmt.Errorf("key %d: %w", i, err)
		case !found:
			return p, fmt.Errorf("key %d: missing", i)
		case !same:
			return p, fmt.Errorf("key %d: a value that differs from the one written", i)
		}
		h.Add(d)
		p.Nanos += int64(d)
	}
	p.Latency = h.Summary()
	return p, nil
}

// get reads k through View where the kind does, else Get, and hands the
// value to fn.
func (r *runner) get(k []byte, fn func(v []byte)) (bool, error) {
	if r.view != nil {
		return r.view.View(k, func(v []byte) error { fn(v); return nil })
	}
	v, found, err := r.s.Get(k)
	if found && err == nil {
		fn(v)
	}
	return found, err
}

// check reads up to maxChecked keys, spread over the range, in full, and
// compares them with generation gen.
func (r *runner) check(gen uint64) (int, error) {
	step := max(1, r.cfg.N/maxChecked)
	k, want := make([]byte, KeySize), make([]byte, r.cfg.Size)
	n := 0
	for i := 0; i < r.cfg.N; i += step {
		key(k, i, r.cfg.Seed)
		value(want, i, gen, r.cfg.Seed)
		got, found, err := r.s.Get(k)
		switch {
		case err != nil:
			return n, fmt.Errorf("key %d: %w", i, err)
		case !found:
			return n, fmt.Errorf("key %d: missing", i)
		case !bytes.Equal(got, want):
			return n, fmt.Errorf("key %d: a value of %d bytes that differs from the one written", i, len(got))
		}
		n++
	}
	return n, nil
}
