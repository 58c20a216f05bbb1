package ycsb

import (
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/pingcap/go-ycsb/pkg/generator"
	"github.com/pingcap/go-ycsb/pkg/ycsb"
)

// Config is one run of a store: the load, then the workloads.
type Config struct {
	Records   int64      // records loaded
	Ops       int64      // operations of each workload, over all clients
	Clients   int        // goroutines issuing operations, each its own YCSB client thread
	Seed      int64      // seed of the clients' random streams
	Workloads []Workload // in run order
	// CheckEvery compares one read in CheckEvery byte for byte with the
	// value its version must have; every read's record and version are
	// checked. 0 means 64.
	CheckEvery int
	// Profile, if set, is called before the operations of each workload
	// and the function it returns after them: a CPU profile of the
	// operations alone.
	Profile func(workload string) (stop func() error, err error)
}

// Phase is what one phase measured: the load or a workload.
type Phase struct {
	Name      string  `json:"name"`
	Ops       int64   `json:"ops"`
	Nanos     int64   `json:"ns"`      // wall time of the operations, all clients
	OpsPerSec float64 `json:"ops_s"`   // Ops over Nanos
	SyncNanos int64   `json:"sync_ns"` // the Sync that ends the phase, not in Nanos
	// Latency is the latency of each kind of operation, by Op.String.
	Latency   map[string]hist.Summary `json:"latency"`
	Checked   int64                   `json:"checked"`    // reads compared byte for byte
	FromBatch int64                   `json:"from_batch"` // reads answered from the open batch
	// ForcedSyncs counts the Syncs the phase had to call to commit a
	// transaction the store refused as too big (badger), in Nanos.
	ForcedSyncs int64 `json:"forced_syncs"`
}

// Result is one run of a store.
type Result struct {
	Store     string  `json:"store"`
	Clients   int     `json:"clients"`
	Records   int64   `json:"records"`
	Load      Phase   `json:"load"`
	Workloads []Phase `json:"workloads"`
}

// Run opens kind in dir, which must be empty, loads it and runs cfg's
// workloads. It fails on the first error of the store and on the first
// read that does not return what the model says the store holds.
func Run(kind stores.Kind, dir string, cfg Config) (res *Result, err error) {
	if cfg.Records < 2 || cfg.Ops < 0 || cfg.Clients < 1 {
		return nil, fmt.Errorf("ycsb: need at least 2 records, 0 operations and 1 client (have %d, %d, %d)", cfg.Records, cfg.Ops, cfg.Clients)
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 64
	}
	s, err := kind.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", kind.Name, err)
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	d, err := newDB(kind, s, cfg.Clients)
	if err != nil {
		return nil, err
	}
	m := newModel(cfg.Records, cfg.Ops)
	res = &Result{Store: kind.Name, Clients: cfg.Clients, Records: cfg.Records}
	if res.Load, err = load(d, m, cfg); err != nil {
		return nil, fmt.Errorf("%s: load: %w", kind.Name, err)
	}
	for i, w := range cfg.Workloads {
		p, err := runWorkload(d, m, cfg, w, cfg.Seed+int64(i+1)*1_000_003)
		if err != nil {
			return nil, fmt.Errorf("%s: workload %s: %w", kind.Name, w.Name, err)
		}
		res.Workloads = append(res.Workloads, p)
	}
	return res, nil
}

// client is one client thread's state: its random stream, its latencies
// and counts, and its scratch for checked reads.
type client struct {
	d         *db
	m         *model
	r         *rand.Rand
	lat       [numOps]*hist.Hist
	every     int
	reads     int
	checked   int64
	fromBatch int64
	scratch   []byte
}

func newClient(d *db, m *model, r *rand.Rand, every int) *client {
	c := &client{d: d, m: m, r: r, every: every, scratch: make([]byte, 0, ValueSize)}
	for i := range c.lat {
		c.lat[i] = hist.New()
	}
	return c
}

// parallel runs clients goroutines, each with its own client, and
// returns the wall time of them all and the clients. body gets the
// client's index.
func parallel(d *db, m *model, cfg Config, seed int64, body func(i int, c *client) error) (time.Duration, []*client, error) {
	cs := make([]*client, cfg.Clients)
	for i := range cs {
		cs[i] = newClient(d, m, rand.New(rand.NewSource(seed+int64(i))), cfg.CheckEvery)
	}
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = body(i, c)
		}()
	}
	wg.Wait()
	return time.Since(start), cs, errors.Join(errs...)
}

// load inserts records 0 to Records-1, client i taking those equal to i
// modulo Clients, in order, then syncs.
func load(d *db, m *model, cfg Config) (Phase, error) {
	took, cs, err := parallel(d, m, cfg, cfg.Seed, func(i int, c *client) error {
		for n := int64(i); n < cfg.Records; n += int64(cfg.Clients) {
			k, v := Key(n), Value(n, 0)
			start := time.Now()
			if err := d.write(k, v); err != nil {
				return err
			}
			c.lat[Insert].Add(time.Since(start))
		}
		return nil
	})
	if err != nil {
		return Phase{}, err
	}
	return finish("load", d, cfg.Records, took, cs)
}

// runWorkload runs cfg.Ops operations of w, shared between the clients,
// then syncs.
func runWorkload(d *db, m *model, cfg Config, w Workload, seed int64) (Phase, error) {
	choosers := make([]ycsb.Generator, cfg.Clients)
	for i := range choosers {
		// One generator per client: go-ycsb's record their last value
		// without a lock.
		if w.Latest {
			choosers[i] = generator.NewSkewedLatest(m.inserts)
		} else {
			choosers[i] = generator.NewScrambledZipfian(0, cfg.Records-1, generator.ZipfianConstant)
		}
	}
	var stop func() error
	if cfg.Profile != nil {
		var err error
		if stop, err = cfg.Profile(w.Name); err != nil {
			return Phase{}, err
		}
	}
	took, cs, err := parallel(d, m, cfg, seed, func(i int, c *client) error {
		ops := cfg.Ops / int64(cfg.Clients)
		if int64(i) < cfg.Ops%int64(cfg.Clients) {
			ops++
		}
		for ; ops > 0; ops-- {
			if err := c.op(w.choose(c.r.Intn(100)), choosers[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if stop != nil {
		err = errors.Join(err, stop())
	}
	if err != nil {
		return Phase{}, err
	}
	return finish(w.Name, d, cfg.Ops, took, cs)
}

// finish syncs the store and sums the clients' figures.
func finish(name string, d *db, ops int64, took time.Duration, cs []*client) (Phase, error) {
	forced := d.forcedSyncs
	d.forcedSyncs = 0
	start := time.Now()
	if err := d.sync(); err != nil {
		return Phase{}, fmt.Errorf("sync: %w", err)
	}
	p := Phase{Name: name, Ops: ops, Nanos: int64(took), SyncNanos: int64(time.Since(start)),
		Latency: map[string]hist.Summary{}, ForcedSyncs: forced}
	if took > 0 {
		p.OpsPerSec = float64(ops) / took.Seconds()
	}
	for _, o := range Ops {
		h := hist.New()
		for _, c := range cs {
			h.Merge(c.lat[o])
		}
		if h.N() > 0 {
			p.Latency[o.String()] = h.Summary()
		}
	}
	for _, c := range cs {
		p.Checked += c.checked
		p.FromBatch += c.fromBatch
	}
	return p, nil
}
