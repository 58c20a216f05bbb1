// Command ttl runs the TTL workload against diskmap: keys put at a steady
// rate with times to live spread over a fake clock that the run moves on,
// nothing reading them, while it samples the map's key count and files; at
// the end it times Gets of live keys, of expired keys not yet removed, of
// keys never put, and of expired keys once removed.
//
// From the bench directory:
//
//	go run ./cmd/ttl                  # 1,000,000 keys per 10 s of clock, 3 rounds
//	go run ./cmd/ttl -n 2000          # a smoke run, in well under a second
//	go run ./cmd/ttl -compact-at -1   # never compact: the arenas keep every record
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/proc"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

func main() {
	var (
		n      = flag.Int("n", 1_000_000, "keys put per spread of clock time: the scale of the run (2000 for a smoke run)")
		spread = flag.Duration("spread", 10*time.Second, "times to live are drawn uniformly from (0, spread] of the fake clock")
		rounds = flag.Int("rounds", 3, "the run lasts rounds x spread of clock time")
		steps  = flag.Int("steps", 100, "clock steps per spread, at least 10")
		at     = flag.Float64("compact-at", 0, "Options.CompactAt: the share of dead bytes past which writes compact the map (0: the default, 0.5; negative: never)")
		min    = flag.Int64("compact-min", 0, "Options.CompactMinBytes: the size an arena must reach before writes compact it (0: the default, 16 MiB)")
		seed   = flag.Uint64("seed", 1, "seed of the workload")
		dir    = flag.String("dir", "", "directory for the map (default a new temporary one, removed at the end)")
		asJSON = flag.Bool("json", false, "print the result as one JSON object")
	)
	flag.Parse()
	if err := run(workload.TTLConfig{N: *n, Spread: *spread, Rounds: *rounds, Steps: *steps, CompactAt: *at, CompactMinBytes: *min, Seed: *seed}, *dir, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "ttl:", err)
		os.Exit(1)
	}
}

func run(cfg workload.TTLConfig, dir string, asJSON bool) (err error) {
	dir, done, err := proc.WorkDir(dir, "diskmap-ttl-", false)
	if err != nil {
		return err
	}
	if done != nil {
		defer func() { err = errors.Join(err, done()) }()
	}
	cfg.Dir = dir
	res, err := workload.RunTTL(cfg)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(res)
	}
	report(res)
	return nil
}

func report(res *workload.TTLResult) {
	c := res.Config
	fmt.Printf("TTL workload: %d keys per %v of a fake clock, times to live uniform in (0, %v], %d rounds of %d steps",
		c.N, c.Spread, c.Spread, c.Rounds, c.Steps)
	if c.CompactAt < 0 {
		fmt.Print(", never compacted\n\n")
	} else {
		fmt.Printf(", CompactAt %g (0: default), CompactMinBytes %d (0: default)\n\n", c.CompactAt, c.CompactMinBytes)
	}
	fmt.Printf("%8s %10s %9s %9s %9s %10s %10s %10s %10s\n", "clock", "puts", "live", "stored", "expired", "table", "keys", "values", "disk")
	for _, s := range append(res.Samples, res.Final) {
		stored := fmt.Sprint(s.Stored)
		if s.Stored < 0 {
			stored = "(closed)"
		}
		fmt.Printf("%8v %10d %9d %9s %9d %10s %10s %10s %10s\n", s.Clock.Round(time.Millisecond), s.Puts, s.Live, stored, s.Expired,
			mib(s.Table), mib(s.Keys), mib(s.Values), mib(s.Disk.Blocks))
	}
	fmt.Printf("\ncompactions by the writes: %d; RemoveExpired at the end found %d expired keys the sweep had not reached\n\n", res.Compactions, res.Removed)
	fmt.Printf("%-15s %10s %10s %s\n", "phase", "ops", "ns/op", "found")
	for _, p := range res.Phases {
		fmt.Printf("%-15s %10d %10.0f %d\n", p.Name, p.Ops, p.NsPerOp(), p.Found)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
