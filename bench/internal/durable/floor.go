package durable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/hist"
)

// FloorResult is the rate of plain synced appends to one file: a write(2)
// of a record, then an fdatasync, over and over from one goroutine: a
// yardstick for a store that syncs each write on its own, not a bound
// (each fdatasync also commits the file's growth).
type FloorResult struct {
	Record  int          `json:"record_bytes"`
	Syncs   int          `json:"syncs"`
	Nanos   int64        `json:"ns"`
	Latency hist.Summary `json:"latency"`
}

// PerSecond returns the synced appends per second.
func (r FloorResult) PerSecond() float64 { return perSecond(r.Syncs, r.Nanos) }

// Floor appends records of the given size to a new file in dir, each
// followed by a datasync, for about d, and removes the file.
func Floor(dir string, record int, d time.Duration) (res FloorResult, err error) {
	if record < 1 || d <= 0 {
		return res, fmt.Errorf("durable: floor needs a record of at least 1 byte and a duration, got %d and %v", record, d)
	}
	path := filepath.Join(dir, "fsync-floor")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, f.Close(), os.Remove(path)) }()
	buf := make([]byte, record)
	h := hist.New()
	start := time.Now()
	for time.Since(start) < d {
		t := time.Now()
		if _, err := f.Write(buf); err != nil {
			return res, err
		}
		if err := datasync(f); err != nil {
			return res, err
		}
		h.Add(time.Since(t))
	}
	return FloorResult{Record: record, Syncs: int(h.N()), Nanos: int64(time.Since(start)), Latency: h.Summary()}, nil
}

func perSecond(n int, nanos int64) float64 {
	if nanos <= 0 {
		return 0
	}
	return float64(n) * 1e9 / float64(nanos)
}
