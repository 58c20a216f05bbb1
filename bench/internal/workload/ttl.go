package workload

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/diskmap-go/diskmap"
)

// The TTL workload: diskmap alone, since the peers' expiry works otherwise
// (badger's TTL, say, hides a key from reads but keeps it until its LSM
// compactions drop it). Keys are put at a steady rate with times to live
// drawn uniformly from (0, Spread] of a fake clock, which the run moves on
// step by step, so that about N/2 keys are live at any time however long it
// runs. Nothing reads the keys until the end: only the sweep that every
// write advances, and the compactions that writes make by themselves
// (Options.CompactAt), remove the expired ones.

// TTLConfig says what RunTTL does.
type TTLConfig struct {
	N      int           // keys put per Spread of clock time
	Spread time.Duration // times to live are drawn from (0, Spread]
	Rounds int           // the run lasts Rounds x Spread of clock time
	Steps  int           // clock steps per Spread; N/Steps puts per step
	// CompactAt and CompactMinBytes are the map's options of the same
	// names: the writes compact the map by themselves once an arena of at
	// least CompactMinBytes has more than CompactAt of its bytes dead (0:
	// the map's defaults; a negative CompactAt: never, and the arenas
	// keep every record put).
	CompactAt       float64
	CompactMinBytes int64
	Seed            uint64
	Dir             string // an empty directory for the map
}

// TTLSample is the state of the map at one point of the run.
type TTLSample struct {
	Clock   time.Duration `json:"clock"`   // clock time since the start
	Puts    int           `json:"puts"`    // keys put so far
	Live    int           `json:"live"`    // keys put whose expiry is still ahead
	Stored  int           `json:"stored"`  // keys the map holds (Len): live, and expired ones not yet removed
	Expired uint64        `json:"expired"` // keys removed so far because they expired (Stats.Expired)
	Table   int64         `json:"table"`   // bytes of the table (buckets)
	Keys    int64         `json:"keys"`    // bytes of the keys file
	Values  int64         `json:"values"`  // bytes of the values file
	Disk    Disk          `json:"disk"`    // the whole directory
}

// TTLResult is what RunTTL measured.
type TTLResult struct {
	Config  TTLConfig   `json:"config"`
	Samples []TTLSample `json:"samples"`
	// Compactions counts the compactions the writes made by themselves.
	Compactions uint64 `json:"compactions"`
	// Phases: put (every PutTTL of the run, sweeps and compactions
	// included), then with the clock moved on by Spread/2 and no write
	// since: get-hit (keys still live), get-expired (keys that expired at
	// any time: mostly removed by the sweep and the compactions, some still
	// stored), get-expired-stored (keys expired since the last write, so
	// all still stored, and absent), get-miss (keys never put),
	// remove-expired (one RemoveExpired), get-removed (expired keys, all
	// removed now), get-miss-after (get-miss again, past the tombstones).
	Phases []Phase `json:"phases"`
	// Removed is how many keys RemoveExpired found: expired keys the sweep
	// had not reached.
	Removed int `json:"removed"`
	// Final is the state at the end, after RemoveExpired and a Close.
	Final TTLSample `json:"final"`
}

// Phase returns the phase named name.
func (r *TTLResult) Phase(name string) (Phase, bool) {
	for _, p := range r.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

// ttlClock is the fake clock of the run.
type ttlClock struct{ ns atomic.Int64 }

func (c *ttlClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

// ttlRun is one run of the TTL workload.
type ttlRun struct {
	cfg    TTLConfig
	clock  ttlClock
	start  int64
	m      *diskmap.BytesMap
	expiry []int64 // of key j, put j-th; 0: not put yet
	puts   int
	lastW  int64 // the clock when the last write was made
	res    *TTLResult
	value  []byte
	rng    *rand.Rand
}

// RunTTL runs the TTL workload.
func RunTTL(cfg TTLConfig) (res *TTLResult, err error) {
	if cfg.N < cfg.Steps || cfg.Steps < 10 || cfg.Rounds < 1 || cfg.Spread <= 0 {
		return nil, fmt.Errorf("ttl workload: want N >= Steps >= 10, Rounds >= 1 and a positive Spread: %+v", cfg)
	}
	r := &ttlRun{cfg: cfg, expiry: make([]int64, cfg.N*cfg.Rounds), res: &TTLResult{Config: cfg},
		value: make([]byte, ValueLen), rng: rand.New(rand.NewPCG(cfg.Seed, 0x74746c))}
	fill(r.rng, r.value)
	r.start = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	r.clock.ns.Store(r.start)
	opts := &diskmap.Options{Clock: r.clock.now, CompactAt: cfg.CompactAt, CompactMinBytes: cfg.CompactMinBytes}
	r.m, err = diskmap.Open[[]byte, []byte](cfg.Dir, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r.m != nil {
			err = errors.Join(err, r.m.Close())
		}
	}()
	if err := r.churn(); err != nil {
		return nil, err
	}
	if err := r.reads(); err != nil {
		return nil, err
	}
	err = r.m.Close()
	r.m = nil
	if err == nil {
		r.res.Final, err = r.sample(nil)
	}
	return r.res, err
}

// ttlKey formats key j: "ttl%013d", KeyLen bytes.
func ttlKey(dst []byte, j int) []byte {
	formatKey(dst[:KeyLen], uint64(j))
	copy(dst, "ttl")
	return dst[:KeyLen]
}

// churn puts the keys, N/Steps a step, each step moving the clock on by
// Spread/Steps, and samples the map ten times a round.
func (r *ttlRun) churn() error {
	per, step := r.cfg.N/r.cfg.Steps, r.cfg.Spread/time.Duration(r.cfg.Steps)
	put := Phase{Name: "put"}
	var key [KeyLen]byte
	for s := range r.cfg.Steps * r.cfg.Rounds {
		now := r.clock.ns.Load()
		var ttls [1024]time.Duration
		for lo := 0; lo < per; lo += len(ttls) {
			n := min(per-lo, len(ttls))
			for q := range n {
				ttls[q] = time.Duration(1 + r.rng.Int64N(int64(r.cfg.Spread)))
			}
			t0 := time.Now()
			for q := range n {
				j := r.puts + q
				if err := r.m.PutTTL(ttlKey(key[:], j), r.value, ttls[q]); err != nil {
					return err
				}
			}
			put.Nanos += time.Since(t0).Nanoseconds()
			for q := range n {
				r.expiry[r.puts+q] = now + int64(ttls[q])
			}
			r.puts += n
			put.Ops += n
		}
		r.lastW = now
		r.clock.ns.Add(int64(step))
		if (s+1)%(r.cfg.Steps/10) == 0 {
			smp, err := r.sample(r.m)
			if err != nil {
				return err
			}
			r.res.Samples = append(r.res.Samples, smp)
		}
	}
	r.res.Phases = append(r.res.Phases, put)
	r.res.Compactions = r.m.Stats().AutoCompactions
	return nil
}

// sample measures the map now; m is nil once it is closed.
func (r *ttlRun) sample(m *diskmap.BytesMap) (TTLSample, error) {
	now := r.clock.ns.Load()
	s := TTLSample{Clock: time.Duration(now - r.start), Puts: r.puts}
	for _, e := range r.expiry[:r.puts] {
		if e > now {
			s.Live++
		}
	}
	if m != nil {
		st := m.Stats()
		s.Stored, s.Expired, s.Table, s.Keys, s.Values = st.Len, st.Expired, st.TableBytes, st.Keys.Size, st.Values.Size
	} else {
		s.Stored = -1 // closed: see the sample before
		for _, f := range []struct {
			name string
			to   *int64
		}{{"buckets", &s.Table}, {"keys", &s.Keys}, {"values", &s.Values}} {
			du, err := diskUsage(filepath.Join(r.cfg.Dir, f.name))
			if err != nil {
				return s, err
			}
			*f.to = du.Apparent
		}
	}
	var err error
	s.Disk, err = diskUsage(r.cfg.Dir)
	return s, err
}

// reads moves the clock on by Spread/2 with no write, and times Gets of
// keys live, expired and not yet removed, never put, and, after
// RemoveExpired, expired and removed.
func (r *ttlRun) reads() error {
	r.clock.ns.Add(int64(r.cfg.Spread / 2))
	now := r.clock.ns.Load()
	var live, stale, gone []int
	for j, e := range r.expiry[:r.puts] {
		switch {
		case e > now:
			live = append(live, j)
		case e > r.lastW:
			stale = append(stale, j) // expired after the last write: still stored
		default:
			gone = append(gone, j)
		}
	}
	if len(live) == 0 || len(stale) == 0 {
		return fmt.Errorf("ttl workload: %d keys live and %d expired at the end, want some of each", len(live), len(stale))
	}
	n := min(r.cfg.N/4, len(live), len(stale))
	pick := func(ids []int) []byte {
		keys := make([]byte, n*KeyLen)
		for i := range n {
			ttlKey(keys[i*KeyLen:], ids[r.rng.IntN(len(ids))])
		}
		return keys
	}
	never := make([]byte, n*KeyLen)
	for i := range n {
		ttlKey(never[i*KeyLen:], r.puts+i) // never put
	}
	expired := append(slices.Clip(stale), gone...)
	hit, stored, miss := pick(live), pick(stale), never
	if err := r.timedGets("get-hit", hit, true); err != nil {
		return err
	}
	if err := r.timedGets("get-expired", pick(expired), false); err != nil {
		return err
	}
	if err := r.timedGets("get-expired-stored", stored, false); err != nil {
		return err
	}
	if err := r.timedGets("get-miss", miss, false); err != nil {
		return err
	}
	t0 := time.Now()
	removed, err := r.m.RemoveExpired()
	if err != nil {
		return err
	}
	r.res.Phases = append(r.res.Phases, Phase{Name: "remove-expired", Ops: 1, Nanos: time.Since(t0).Nanoseconds()})
	r.res.Removed = removed
	if err := r.timedGets("get-removed", pick(expired), false); err != nil {
		return err
	}
	return r.timedGets("get-miss-after", miss, false)
}

// timedGets gets each key of keys, laid end to end, and fails unless each
// is found, with the run's value, when want is set, and none is otherwise.
func (r *ttlRun) timedGets(name string, keys []byte, want bool) error {
	p := Phase{Name: name, Ops: len(keys) / KeyLen}
	runtime.GC()
	var touched int
	t0 := time.Now()
	for i := 0; i < len(keys); i += KeyLen {
		v, found, err := r.m.Get(keys[i : i+KeyLen])
		if err != nil {
			return err
		}
		if found {
			p.Found++
			touched += int(v[0]) + int(v[len(v)-1])
		}
	}
	p.Nanos = time.Since(t0).Nanoseconds()
	sink.Add(int64(touched))
	if want && p.Found != p.Ops || !want && p.Found != 0 {
		return fmt.Errorf("ttl workload: %s found %d of %d keys", name, p.Found, p.Ops)
	}
	r.res.Phases = append(r.res.Phases, p)
	return nil
}
