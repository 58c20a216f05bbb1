package workload

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// The cold-read workload: a store loaded, synced and closed, the page
// cache dropped, then in a fresh process Open and random Gets straight
// away, each read from the disk as much as the store's layout makes it.
// What it counts is the time of each get and the bytes the process read
// from the disk (/proc/self/io read_bytes, which counts what reached the
// block device, read-ahead included; the major page faults of getrusage
// count the faults of mappings that had to wait for the disk).

// ColdFirst is how many of the first gets after Open are counted apart:
// the coldest ones, before the pages that earlier gets brought in start to
// serve later ones.
const ColdFirst = 1000

// ColdConfig says what ColdRead does.
type ColdConfig struct {
	Gets int    // random gets of loaded keys after Open
	Seed uint64 // of the gets' keys
	// AdviseRandom advises every mapping of a file under Dir MADV_RANDOM
	// after Open, before the gets: the store's mappings then fault in one
	// page at a time, with no read-ahead (an experiment; Linux only).
	AdviseRandom bool
	Dir          string // the directory ColdLoad filled
}

// IO is what the process read from the disk, as the system counts it.
type IO struct {
	ReadBytes  int64 `json:"read_bytes"`            // /proc/self/io read_bytes
	MajFlt     int64 `json:"majflt"`                // getrusage major page faults
	WriteBytes int64 `json:"write_bytes,omitempty"` // /proc/self/io write_bytes: the bytes of pages this process dirtied or wrote, to reach the disk
}

func (a IO) sub(b IO) IO {
	return IO{a.ReadBytes - b.ReadBytes, a.MajFlt - b.MajFlt, a.WriteBytes - b.WriteBytes}
}

// ColdResult is what ColdRead measured.
type ColdResult struct {
	Store        string `json:"store"`
	N            int    `json:"n"`
	Gets         int    `json:"gets"`
	AdviseRandom bool   `json:"advise_random,omitempty"`
	Advised      int    `json:"advised,omitempty"` // mappings advised MADV_RANDOM
	// OpenNanos and Open: the Open; Nanos and Read: every get; First: the
	// first ColdFirst gets.
	OpenNanos  int64        `json:"open_ns"`
	Open       IO           `json:"open_io"`
	Nanos      int64        `json:"ns"`
	Read       IO           `json:"read_io"`
	FirstNanos int64        `json:"first_ns"`
	First      IO           `json:"first_io"`
	Latency    hist.Summary `json:"latency"`       // every get
	FirstLat   hist.Summary `json:"first_latency"` // the first ColdFirst
	Files      Disk         `json:"files"`         // the store's directory
	Found      int          `json:"found"`
}

// ColdLoad puts every key of d into a new store of kind k in dir, then
// syncs and closes it, then opens and closes it once more, so that what an
// Open does once after a load (replaying a log, flushing it, starting a
// compaction) is done before the cold Open, which then finds the store as
// any later Open would.
func ColdLoad(k stores.Kind, d *Data, dir string) error {
	if err := coldLoad(k, d, dir); err != nil {
		return err
	}
	s, err := k.Open(dir)
	if err != nil {
		return fmt.Errorf("%s: open after load: %w", k.Name, err)
	}
	return s.Close()
}

func coldLoad(k stores.Kind, d *Data, dir string) (err error) {
	s, err := k.Open(dir)
	if err != nil {
		return fmt.Errorf("%s: open: %w", k.Name, err)
	}
	defer func() {
		if s != nil {
			err = errors.Join(err, s.Close())
		}
	}()
	for i := range d.N {
		if err := s.Put(d.Key(i), d.Value(i)); err != nil {
			return fmt.Errorf("%s: put: %w", k.Name, err)
		}
	}
	if err := s.Sync(); err != nil {
		return fmt.Errorf("%s: sync: %w", k.Name, err)
	}
	err, s = s.Close(), nil
	return err
}

// ColdRead opens the store ColdLoad left in cfg.Dir and makes cfg.Gets
// random gets of d's keys at once, each timed and each value compared with
// the one loaded. The caller drops the page cache before; d is generated
// before the store is opened, so that nothing but the store reads the disk
// between the counts.
func ColdRead(k stores.Kind, d *Data, cfg ColdConfig) (res *ColdResult, err error) {
	if cfg.Gets < 1 {
		return nil, errors.New("workload: cold: gets must be at least 1")
	}
	if k.InMemory {
		return nil, fmt.Errorf("workload: cold: %s keeps nothing on disk", k.Name)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x636f6c64))
	idx := make([]int32, cfg.Gets)
	for j := range idx {
		idx[j] = int32(r.IntN(d.N))
	}
	res = &ColdResult{Store: k.Name, N: d.N, Gets: cfg.Gets, AdviseRandom: cfg.AdviseRandom}
	all, first := hist.New(), hist.New()

	io0, err := readIO()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	s, err := k.Open(cfg.Dir)
	res.OpenNanos = time.Since(start).Nanoseconds()
	if err != nil {
		return nil, fmt.Errorf("%s: open: %w", k.Name, err)
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	io1, err := readIO()
	if err != nil {
		return nil, err
	}
	res.Open = io1.sub(io0)
	if cfg.AdviseRandom {
		if res.Advised, err = adviseRandom(cfg.Dir); err != nil {
			return nil, err
		}
	}

	rd := newReader(k, s)
	defer func() { sink.Add(int64(rd.sink)) }()
	var ioFirst IO
	start = time.Now()
	for j, i := range idx {
		t0 := time.Now()
		ok, match, err := rd.get(d.Key(int(i)), d.Value(int(i)), true)
		dt := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("%s: get %q: %w", k.Name, d.Key(int(i)), err)
		}
		if !ok || !match {
			return nil, fmt.Errorf("%s: key %q: found %v, value matches %v", k.Name, d.Key(int(i)), ok, match)
		}
		res.Found++
		all.Add(dt)
		if j < ColdFirst {
			first.Add(dt)
		}
		if j == min(ColdFirst, len(idx))-1 {
			res.FirstNanos = time.Since(start).Nanoseconds()
			if ioFirst, err = readIO(); err != nil {
				return nil, err
			}
		}
	}
	res.Nanos = time.Since(start).Nanoseconds()
	io2, err := readIO()
	if err != nil {
		return nil, err
	}
	res.Read, res.First = io2.sub(io1), ioFirst.sub(io1)
	res.Latency, res.FirstLat = all.Summary(), first.Summary()
	res.Files, err = diskUsage(cfg.Dir)
	return res, err
}
