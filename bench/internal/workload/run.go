package workload

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// Phases in the order they run. load always runs; the others run when
// asked for, and are skipped where they mean nothing (reopen, disk and
// compact for an in-memory store, contains and compact for stores without
// them).
var Phases = []string{
	"load",      // Put every key, then Sync
	"reopen",    // Close (timed apart, as "close"), then Open and one Get
	"get-hit",   // N Gets of loaded keys in another random order, a sample checked, twice: get-first, then get-hit
	"get-batch", // get-hit's Gets in batches of BatchReads keys, where the store reads batches
	"get-miss",  // N Gets of keys that sort between loaded keys and were never loaded
	"contains",  // N membership tests of loaded keys, where the store has them
	"parallel",  // get-hit's N Gets split over GOMAXPROCS goroutines
	"update",    // overwrite N/5 keys with new values, then Sync
	"delete",    // delete N/10 keys, then Sync
	"disk",      // Close, then the size of the directory
	"compact",   // Open, Compact, Close, then the size again
}

// sampleMask picks the reads whose values are compared with the expected
// ones inside timed loops: one in 64.
const sampleMask = 63

// Config says what to run.
type Config struct {
	N      int
	Seed   uint64
	Phases []string // nil: all
	// Dir is an empty directory for the store's files.
	Dir string
	// Verify reads every key back after each write phase and after a final
	// reopen, outside the timings. The tests set it; the runner does not,
	// to leave the stores' caches as the timed phases left them.
	Verify bool
	// NoLatency leaves out the per-operation timing of the phases (see
	// LatencyEvery): only the phases' wall times are measured. The
	// overhead check sets it to time the same phase without it.
	NoLatency bool
}

// Phase is the measurement of one phase.
type Phase struct {
	Name    string `json:"name"`
	Ops     int    `json:"ops"`
	Nanos   int64  `json:"ns"`
	Mallocs uint64 `json:"mallocs"`           // heap allocations during the phase, every goroutine's
	Found   int    `json:"found,omitempty"`   // reads that found their key
	Checked int    `json:"checked,omitempty"` // values compared with the expected bytes
	Procs   int    `json:"procs,omitempty"`   // goroutines, for parallel
	GCs     uint32 `json:"gcs"`               // garbage collections during the phase
	// Latency is the distribution of the times of single operations: of
	// one operation in LatencyEvery (see there), for the phases of many
	// operations; nil for the single-operation phases (close, reopen,
	// compact), for get-batch, and with Config.NoLatency. Nanos stays the
	// wall time of the whole phase, Sync included.
	Latency *hist.Summary `json:"latency,omitempty"`
	// SyncNanos is the part of Nanos spent in the Sync that ends a write
	// phase (load, update, delete); the rest is the operations'.
	SyncNanos int64 `json:"sync_ns,omitempty"`
	// Written is what the write phase made the disk write, Sync included:
	// the growth of /proc/self/io's write_bytes, which counts a page of a
	// shared mapping once, when it is first dirtied, and the bytes of each
	// write(2) to a file. 0 where the system does not count it.
	Written int64 `json:"written,omitempty"`
}

// NsPerOp is the phase's time per operation.
func (p Phase) NsPerOp() float64 { return float64(p.Nanos) / float64(max(p.Ops, 1)) }

// AllocsPerOp is the phase's allocations per operation.
func (p Phase) AllocsPerOp() float64 { return float64(p.Mallocs) / float64(max(p.Ops, 1)) }

// Disk is the size of a store's directory.
type Disk struct {
	Blocks   int64 `json:"blocks"`   // bytes of allocated blocks, as du counts them
	Apparent int64 `json:"apparent"` // sum of the file sizes, as du --apparent-size counts them
}

// Result is what one run of one store measured; the worker prints it as
// one JSON line.
type Result struct {
	Store     string  `json:"store"`
	N         int     `json:"n"`
	Seed      uint64  `json:"seed"`
	Procs     int     `json:"procs"`
	Phases    []Phase `json:"phases"`
	Disk      *Disk   `json:"disk,omitempty"`      // after delete and Close
	Compacted *Disk   `json:"compacted,omitempty"` // after Compact and Close
	Live      int     `json:"live"`                // keys the store holds at the end
	// RSSBase is the peak resident set before the store is opened (the
	// workload's own data), RSSPeak the peak at the end, both in bytes.
	RSSBase int64 `json:"rss_base"`
	RSSPeak int64 `json:"rss_peak"`
}

// Phase returns the phase called name, if it ran.
func (r *Result) Phase(name string) (Phase, bool) {
	for _, p := range r.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

// runner is the state of one run.
type runner struct {
	kind  stores.Kind
	cfg   Config
	d     *Data
	s     stores.Store
	res   *Result
	stage int // 0 loaded, 1 updated, 2 deleted
	// written is /proc/self/io as the phase under way began, for the
	// bytes a write phase made the disk write; nil where unreadable.
	written *IO
}

// Run runs the workload d against a store of kind k in cfg.Dir.
func Run(k stores.Kind, d *Data, cfg Config) (res *Result, err error) {
	want := map[string]bool{}
	for _, p := range cfg.Phases {
		if !slices.Contains(Phases, p) {
			return nil, fmt.Errorf("unknown phase %q (have %s)", p, strings.Join(Phases, ", "))
		}
		want[p] = true
	}
	if cfg.Phases == nil {
		for _, p := range Phases {
			want[p] = true
		}
	}
	if cfg.N != d.N {
		return nil, fmt.Errorf("config n %d, data n %d", cfg.N, d.N)
	}
	r := &runner{kind: k, cfg: cfg, d: d, res: &Result{
		Store: k.Name, N: d.N, Seed: d.Seed, Procs: runtime.GOMAXPROCS(0), Live: d.N,
	}}
	runtime.GC()
	r.res.RSSBase = maxRSS()
	if r.s, err = k.Open(cfg.Dir); err != nil {
		return nil, fmt.Errorf("%s: open: %w", k.Name, err)
	}
	defer func() {
		if r.s != nil {
			err = errors.Join(err, r.s.Close())
		}
		if err != nil {
			err = fmt.Errorf("%s, n=%d: %w", k.Name, d.N, err)
			res = nil
		}
	}()

	steps := []struct {
		name string
		run  func() error
		skip bool
	}{
		{"load", r.load, false},
		{"reopen", r.reopen, k.InMemory},
		{"get-hit", r.getHit, false},
		{"get-batch", r.getBatch, !isBatcher(r.s)},
		{"get-miss", r.getMiss, false},
		{"contains", r.contains, !isContainer(r.s)},
		{"parallel", r.parallel, false},
		{"update", r.update, false},
		{"delete", r.delete, false},
		{"disk", r.disk, k.InMemory},
		{"compact", r.compact, k.InMemory || !isCompacter(r.s)},
	}
	for _, st := range steps {
		if st.skip || (!want[st.name] && st.name != "load") {
			continue
		}
		if err := st.run(); err != nil {
			return nil, fmt.Errorf("%s: %w", st.name, err)
		}
	}
	if cfg.Verify && !k.InMemory {
		if err := r.reopenVerify(); err != nil {
			return nil, fmt.Errorf("verify after reopen: %w", err)
		}
	}
	r.res.RSSPeak = maxRSS()
	return r.res, nil
}

func isContainer(s stores.Store) bool {
	_, ok := s.(stores.Container)
	return ok
}

func isBatcher(s stores.Store) bool {
	_, ok := s.(stores.Batcher)
	return ok
}

func isCompacter(s stores.Store) bool {
	_, ok := s.(stores.Compacter)
	return ok
}

// timed runs f as phase name of ops operations, after a collection so that
// the garbage of earlier phases is not collected on its time.
func (r *runner) timed(name string, ops int, f func(p *Phase) error) error {
	return r.measure(name, ops, false, func(p *Phase, _ *hist.Hist) error { return f(p) })
}

// timedOps is timed for a phase that times a sample of its operations
// (see LatencyEvery) into the histogram f is given; nil when the config
// leaves the timing out.
func (r *runner) timedOps(name string, ops int, f func(p *Phase, h *hist.Hist) error) error {
	return r.measure(name, ops, !r.cfg.NoLatency, f)
}

// measure is timed and timedOps: with perOp, f gets a histogram for its
// sample, made before the clock starts, and the phase its summary.
func (r *runner) measure(name string, ops int, perOp bool, f func(p *Phase, h *hist.Hist) error) error {
	p := Phase{Name: name, Ops: ops}
	var h *hist.Hist
	if perOp {
		h = hist.New()
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r.written = nil
	if io, err := readIO(); err == nil {
		r.written = &io
	}
	start := time.Now()
	err := f(&p, h)
	p.Nanos = time.Since(start).Nanoseconds()
	runtime.ReadMemStats(&after)
	p.Mallocs = after.Mallocs - before.Mallocs
	p.GCs = after.NumGC - before.NumGC
	if err != nil {
		return err
	}
	if h != nil && h.N() > 0 {
		sum := h.Summary()
		p.Latency = &sum
	}
	r.res.Phases = append(r.res.Phases, p)
	return nil
}

// expected returns the value key i holds at the current stage.
func (r *runner) expected(i int) ([]byte, bool) {
	if r.stage >= 2 && r.d.isDel[i] {
		return nil, false
	}
	if r.stage >= 1 {
		if v, ok := r.d.Updated(i); ok {
			return v, true
		}
	}
	return r.d.Value(i), true
}

// closingSync ends a write phase: the Sync, timed apart into p, and what
// the phase made the disk write since its first operation.
func (r *runner) closingSync(p *Phase) error {
	start := time.Now()
	err := r.s.Sync()
	p.SyncNanos = time.Since(start).Nanoseconds()
	if io, ioErr := readIO(); ioErr == nil && r.written != nil {
		p.Written = io.WriteBytes - r.written.WriteBytes
	}
	return err
}

func (r *runner) load() error {
	d := r.d
	err := r.timedOps("load", d.N, func(p *Phase, h *hist.Hist) error {
		t := newOpTimer(h)
		for i := range d.N {
			t.begin(i)
			if err := r.s.Put(d.Key(i), d.Value(i)); err != nil {
				return err
			}
			t.end()
		}
		return r.closingSync(p)
	})
	if err != nil {
		return err
	}
	return r.verify()
}

func (r *runner) reopen() error {
	if err := r.timed("close", 1, func(*Phase) error {
		err := r.s.Close()
		r.s = nil
		return err
	}); err != nil {
		return err
	}
	i := int(r.d.order[0])
	return r.timed("reopen", 1, func(p *Phase) error {
		s, err := r.kind.Open(r.cfg.Dir)
		if err != nil {
			return err
		}
		r.s = s
		want, _ := r.expected(i)
		ok, match, err := newReader(r.kind, s).get(r.d.Key(i), want, true)
		if err != nil {
			return err
		}
		if !ok || !match {
			return fmt.Errorf("key %q after reopen: found %v, value matches %v", r.d.Key(i), ok, match)
		}
		p.Found, p.Checked = 1, 1
		return nil
	})
}

// reader does the timed reads of one goroutine: through View for the kinds
// that read that way, else through Get. Every read touches the first and
// the last byte of the value, as a caller that uses the value would; one
// in 64 (sampleMask) compares it with the expected bytes.
type reader struct {
	s     stores.Store
	v     stores.Viewer // nil: reads use Get
	fn    func([]byte) error
	want  []byte
	check bool
	match bool
	sink  int
}

func newReader(k stores.Kind, s stores.Store) *reader {
	rd := &reader{s: s}
	if v, ok := s.(stores.Viewer); ok && k.ReadsView {
		rd.v = v
		rd.fn = rd.look // made once: a method value passed on each call would allocate
	}
	return rd
}

func (rd *reader) look(v []byte) error {
	if len(v) > 0 {
		rd.sink += int(v[0]) + int(v[len(v)-1])
	}
	if rd.check {
		rd.match = bytes.Equal(v, rd.want)
	}
	return nil
}

// get reads k, and with check reports whether its value is want.
func (rd *reader) get(k, want []byte, check bool) (found, match bool, err error) {
	if rd.v != nil {
		rd.want, rd.check, rd.match = want, check, false
		found, err = rd.v.View(k, rd.fn)
		return found, rd.match, err
	}
	v, found, err := rd.s.Get(k)
	if len(v) > 0 {
		rd.sink += int(v[0]) + int(v[len(v)-1])
	}
	return found, check && bytes.Equal(v, want), err
}

// sink keeps the bytes the readers touched, so that no read is optimized
// away.
var sink atomic.Int64

// reads gets the keys at positions [lo, hi) of get-hit's order, comparing
// one value in 64 with the expected one and timing the sampled gets into
// h, and returns how many it found and checked.
func (r *runner) reads(lo, hi int, h *hist.Hist) (found, checked int, err error) {
	rd := newReader(r.kind, r.s)
	defer func() { sink.Add(int64(rd.sink)) }()
	t := newOpTimer(h)
	for j := lo; j < hi; j++ {
		i := r.d.order[j]
		check := j&sampleMask == 0
		var want []byte
		if check {
			want, _ = r.expected(int(i))
		}
		t.begin(j)
		ok, match, err := rd.get(at(r.d.hitKeys, j), want, check)
		t.end()
		if err != nil {
			return found, checked, err
		}
		if ok {
			found++
		}
		if check {
			_, present := r.expected(int(i))
			if ok != present || (present && !match) {
				return found, checked, fmt.Errorf("key %q: found %v, value matches %v; want found %v", r.d.Key(int(i)), ok, match, present)
			}
			checked++
		}
	}
	return found, checked, nil
}

// getHit reads every key twice in the same order: the first pass, timed
// as get-first, brings the store's files into the CPU caches, the page
// tables and the store's own caches after reopen; the second, get-hit, is
// the steady state the other read phases also see.
func (r *runner) getHit() error {
	for _, name := range []string{"get-first", "get-hit"} {
		if err := r.timedOps(name, r.d.N, func(p *Phase, h *hist.Hist) error {
			var err error
			p.Found, p.Checked, err = r.reads(0, r.d.N, h)
			if err == nil && p.Found != r.d.N {
				err = fmt.Errorf("found %d of %d keys", p.Found, r.d.N)
			}
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// BatchReads is how many keys get-batch asks for in one call.
const BatchReads = 1000

// getBatch reads get-hit's keys in get-hit's order, BatchReads at a time,
// for the stores that read batches, touching and checking values as get-hit
// does.
func (r *runner) getBatch() error {
	b := r.s.(stores.Batcher)
	return r.timed("get-batch", r.d.N, func(p *Phase) error {
		rd := newReader(r.kind, r.s)
		defer func() { sink.Add(int64(rd.sink)) }()
		keys := make([][]byte, 0, BatchReads)
		for lo := 0; lo < r.d.N; lo += BatchReads {
			keys = keys[:0]
			for j := lo; j < min(lo+BatchReads, r.d.N); j++ {
				keys = append(keys, at(r.d.hitKeys, j))
			}
			err := b.ReadMany(keys, func(i int, v []byte, found bool) error {
				j := lo + i
				if !found {
					return fmt.Errorf("key %q not found", keys[i])
				}
				p.Found++
				rd.want, rd.check = nil, false
				if j&sampleMask == 0 {
					rd.want, _ = r.expected(int(r.d.order[j]))
					rd.check = true
					p.Checked++
				}
				if err := rd.look(v); err != nil {
					return err
				}
				if rd.check && !rd.match {
					return fmt.Errorf("key %q: value differs", keys[i])
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *runner) getMiss() error {
	return r.timedOps("get-miss", r.d.N, func(_ *Phase, h *hist.Hist) error { return r.missRange(0, r.d.N, h) })
}

// missRange gets the miss keys at positions [lo, hi), timing the sampled
// gets into h; finding one is an error.
func (r *runner) missRange(lo, hi int, h *hist.Hist) error {
	rd := newReader(r.kind, r.s)
	t := newOpTimer(h)
	for j := lo; j < hi; j++ {
		t.begin(j)
		ok, _, err := rd.get(r.d.Miss(j), nil, false)
		t.end()
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("found %q, never inserted", r.d.Miss(j))
		}
	}
	return nil
}

func (r *runner) contains() error {
	c := r.s.(stores.Container)
	return r.timedOps("contains", r.d.N, func(p *Phase, h *hist.Hist) error {
		t := newOpTimer(h)
		for j := range r.d.N {
			t.begin(j)
			ok, err := c.Contains(at(r.d.hitKeys, j))
			t.end()
			if err != nil {
				return err
			}
			if ok {
				p.Found++
			}
		}
		if p.Found != r.d.N {
			return fmt.Errorf("found %d of %d keys", p.Found, r.d.N)
		}
		return nil
	})
}

func (r *runner) parallel() error {
	procs := runtime.GOMAXPROCS(0)
	// Each goroutine times its sample into a histogram of its own, made
	// before the clock starts; they are merged at the end.
	hs := make([]*hist.Hist, procs)
	if !r.cfg.NoLatency {
		for g := range hs {
			hs[g] = hist.New()
		}
	}
	return r.timedOps("parallel", r.d.N, func(p *Phase, h *hist.Hist) error {
		p.Procs = procs
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			errs    []error
			n       = r.d.N
			start   = make(chan struct{})
			results = make([][2]int, procs)
		)
		for g := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				f, c, err := r.reads(g*n/procs, (g+1)*n/procs, hs[g])
				results[g] = [2]int{f, c}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if h != nil {
			for _, gh := range hs {
				h.Merge(gh)
			}
		}
		for _, fc := range results {
			p.Found += fc[0]
			p.Checked += fc[1]
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if p.Found != n {
			return fmt.Errorf("found %d of %d keys", p.Found, n)
		}
		return nil
	})
}

func (r *runner) update() error {
	d := r.d
	err := r.timedOps("update", len(d.upd), func(p *Phase, h *hist.Hist) error {
		t := newOpTimer(h)
		for j := range d.upd {
			v := d.updVal[j*ValueLen : (j+1)*ValueLen]
			t.begin(j)
			if err := r.s.Put(at(d.updKeys, j), v); err != nil {
				return err
			}
			t.end()
		}
		return r.closingSync(p)
	})
	r.stage = 1
	if err != nil {
		return err
	}
	return r.verify()
}

func (r *runner) delete() error {
	d := r.d
	err := r.timedOps("delete", len(d.del), func(p *Phase, h *hist.Hist) error {
		t := newOpTimer(h)
		for j := range d.del {
			t.begin(j)
			if err := r.s.Delete(at(d.delKeys, j)); err != nil {
				return err
			}
			t.end()
		}
		return r.closingSync(p)
	})
	r.stage = 2
	r.res.Live = d.Live()
	if err != nil {
		return err
	}
	return r.verify()
}

func (r *runner) disk() error {
	err := r.s.Close()
	r.s = nil
	if err != nil {
		return err
	}
	du, err := diskUsage(r.cfg.Dir)
	r.res.Disk = &du
	return err
}

func (r *runner) compact() error {
	if r.s == nil {
		s, err := r.kind.Open(r.cfg.Dir)
		if err != nil {
			return err
		}
		r.s = s
	}
	if err := r.timed("compact", 1, func(*Phase) error {
		return r.s.(stores.Compacter).Compact()
	}); err != nil {
		return err
	}
	err := r.s.Close()
	r.s = nil
	if err != nil {
		return err
	}
	du, err := diskUsage(r.cfg.Dir)
	r.res.Compacted = &du
	return err
}

// verify reads back every key and every miss key, untimed, when the config
// asks for it; else the sample checks of the timed reads must do.
func (r *runner) verify() error {
	if !r.cfg.Verify {
		return nil
	}
	for i := range r.d.N {
		v, ok, err := r.s.Get(r.d.Key(i))
		if err != nil {
			return err
		}
		want, present := r.expected(i)
		if ok != present || !bytes.Equal(v, want) {
			return fmt.Errorf("verify: key %q: found %v, value %x; want %v, %x", r.d.Key(i), ok, v, present, want)
		}
	}
	for j := range r.d.N {
		if _, ok, err := r.s.Get(r.d.Miss(j)); err != nil || ok {
			return fmt.Errorf("verify: miss key %q: found %v, %v", r.d.Miss(j), ok, err)
		}
	}
	return nil
}

func (r *runner) reopenVerify() error {
	if r.s != nil {
		err := r.s.Close()
		r.s = nil
		if err != nil {
			return err
		}
	}
	s, err := r.kind.Open(r.cfg.Dir)
	if err != nil {
		return err
	}
	r.s = s
	return r.verify()
}

// skipGone lets a walk of an open store's directory pass over a file that
// the store removed while it walked (a map's background removes
// buckets.next when the larger table is installed).
func skipGone(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
