package ycsb

import (
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
)

// stripes is how many locks the model spreads the records over.
const stripes = 1024

// model is what the store must hold: the latest version of each record,
// and which records exist. It is safe for concurrent use.
//
// Writes of one record are serialized by its stripe's lock, so the store
// and the model see them in the same order; reads take no lock.
type model struct {
	versions []atomic.Uint64 // by record number; guarded by the stripe for writes
	locks    [stripes]sync.Mutex
	inserts  *ackCounter // record numbers for inserts, and the latest acknowledged one
}

// newModel returns the model of a store loaded with records records that
// may grow by up to extra inserts.
func newModel(records, extra int64) *model {
	return &model{versions: make([]atomic.Uint64, records+extra), inserts: newAckCounter(records)}
}

func (m *model) lock(n int64) *sync.Mutex { return &m.locks[n%stripes] }

// check reports whether b, read from the store for record n after its
// version was at least min, is a value the record may hold. With full it
// also compares every byte.
func (m *model) check(n int64, b []byte, min uint64, full bool) error {
	v, err := version(n, b)
	if err != nil {
		return err
	}
	if v < min {
		return fmt.Errorf("record %d: read version %d, older than version %d written before the read", n, v, min)
	}
	if full && string(b) != string(Value(n, v)) {
		return fmt.Errorf("record %d: version %d has other bytes than were written", n, v)
	}
	return nil
}

// ackCounter hands out record numbers for inserts and tracks the highest
// number below which every insert has completed, as YCSB's
// AcknowledgedCounterGenerator.java does (go-ycsb's version keeps its
// window in plain bools, which concurrent clients would race on).
type ackCounter struct {
	next  atomic.Int64
	limit atomic.Int64 // every record up to limit is in the store
	mu    sync.Mutex   // guards done
	done  map[int64]bool
}

func newAckCounter(start int64) *ackCounter {
	a := &ackCounter{done: map[int64]bool{}}
	a.next.Store(start)
	a.limit.Store(start - 1)
	return a
}

// Next returns the next record number to insert; it ignores r.
func (a *ackCounter) Next(*rand.Rand) int64 { return a.next.Add(1) - 1 }

// Last returns the highest record number below which every insert has
// completed: the newest record that reads may choose.
func (a *ackCounter) Last() int64 { return a.limit.Load() }

// acknowledge records that the insert of record n has completed.
func (a *ackCounter) acknowledge(n int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.done[n] = true
	l := a.limit.Load()
	for a.done[l+1] {
		delete(a.done, l+1)
		l++
	}
	a.limit.Store(l)
}
