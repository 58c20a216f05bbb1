package ycsb

import (
	"errors"
	"fmt"
	"sync"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

// access is how the benchmark reaches a kind of store from several clients
// at once, with every read seeing the writes that completed before it.
type access struct {
	// lockAll puts a read-write lock around every operation: reads share
	// it, writes hold it alone. For a store that allows concurrent reads
	// but no write beside them (diskmap.Map, Go's map). Taken only with
	// more than one client.
	lockAll bool
	// batched says the adapter keeps writes in an open transaction or
	// batch, committed every stores.BatchSize writes and by Sync, and
	// reads outside it: writes are serialized (the open transaction is not
	// safe for concurrent use) and a read of a key written in the open
	// batch is answered from the benchmark's copy of the batch, which is
	// what a read inside the transaction would return.
	batched bool
	// About says what the benchmark does for the kind, for the results.
	About string
}

// accesses lists every kind the benchmark knows how to share between clients.
var accesses = map[string]access{
	"builtin":          {lockAll: true, About: "a read-write lock around every operation with more than one client"},
	"diskmap-view":     {lockAll: true, About: diskmapAbout},
	"diskmap-get":      {lockAll: true, About: diskmapAbout},
	"diskmap-wal-view": {lockAll: true, About: diskmapAbout},
	"concurrent-view":  {About: "no lock of the benchmark's: package concurrent locks each shard itself; writes are visible at once"},
	"concurrent-get":   {About: "no lock of the benchmark's: package concurrent locks each shard itself; writes are visible at once"},
	"pogreb":           {About: "no lock of the benchmark's: pogreb is safe for concurrent use and a Put is visible at once"},
	"bbolt":            {batched: true, About: batchedAbout},
	"badger":           {batched: true, About: batchedAbout},
	"pebble":           {batched: true, About: batchedAbout},
}

const (
	diskmapAbout = "a diskmap.Map allows concurrent reads but no write beside them: with more than " +
		"one client the benchmark holds a read-write lock, shared by reads, exclusive for writes; " +
		"with one client, none. A Put is visible at once"
	batchedAbout = "the adapter commits writes 10,000 to a transaction (NoSync) and reads outside " +
		"it, so a read would not see a write of the open transaction: the benchmark serializes " +
		"writes and keeps a copy of the open transaction's writes, cleared when it commits; a read " +
		"of a key written in it is answered from that copy (what a read inside the transaction " +
		"returns), every other read goes to the store. Reads run concurrently"
)

// About returns what the benchmark does to share a kind of store between
// clients and keep reads seeing earlier writes.
func About(kind string) string { return accesses[kind].About }

// db is a store as the clients use it. It is safe for concurrent use.
type db struct {
	s     stores.Store
	view  stores.Viewer // reads through View when the kind reads in place, else nil
	rw    *sync.RWMutex // nil: no lock around the operations
	wmu   *sync.Mutex   // nil: writes not serialized by the benchmark
	batch *batch        // nil: writes visible at once
	// forcedSyncs counts the Syncs that write had to call to commit a
	// transaction the store found too big; guarded by wmu.
	forcedSyncs int64
}

// batch is the benchmark's copy of the writes of the adapter's open
// transaction.
type batch struct {
	mu     sync.RWMutex // guards m
	m      map[string][]byte
	writes int // since the last commit; guarded by db.wmu
}

// newDB opens kind's store access for clients clients.
func newDB(kind stores.Kind, s stores.Store, clients int) (*db, error) {
	a, ok := accesses[kind.Name]
	if !ok {
		return nil, fmt.Errorf("ycsb: store %s: no rule for sharing it between clients", kind.Name)
	}
	d := &db{s: s}
	if kind.ReadsView {
		v, ok := s.(stores.Viewer)
		if !ok {
			return nil, fmt.Errorf("ycsb: store %s reads through View but has none", kind.Name)
		}
		d.view = v
	}
	if a.lockAll && clients > 1 {
		d.rw = new(sync.RWMutex)
	}
	if a.batched {
		d.wmu = new(sync.Mutex)
		d.batch = &batch{m: map[string][]byte{}}
	}
	return d, nil
}

// read calls fn with the value of k, in place or a copy, and reports
// whether k was found and whether the open batch answered.
func (d *db) read(k []byte, fn func([]byte) error) (found, fromBatch bool, err error) {
	if d.rw != nil {
		d.rw.RLock()
		defer d.rw.RUnlock()
	}
	if d.batch != nil {
		d.batch.mu.RLock()
		v, ok := d.batch.m[string(k)]
		d.batch.mu.RUnlock()
		if ok {
			return true, true, fn(v)
		}
	}
	if d.view != nil {
		found, err = d.view.View(k, fn)
		return found, false, err
	}
	v, found, err := d.s.Get(k)
	if !found || err != nil {
		return found, false, err
	}
	return true, false, fn(v)
}

// write stores v under k. The store may keep k and v until it commits:
// the caller must not change them.
func (d *db) write(k, v []byte) error {
	if d.rw != nil {
		d.rw.Lock()
		defer d.rw.Unlock()
	}
	if d.wmu != nil {
		d.wmu.Lock()
		defer d.wmu.Unlock()
	}
	err := d.s.Put(k, v)
	if errors.Is(err, badger.ErrTxnTooBig) {
		// badger caps a transaction at 15% of its memtable (about 9.6 MiB,
		// fewer than 10,000 values of 1,000 bytes): its adapter can commit
		// only through Sync, which also fsyncs. Then the write goes again.
		d.forcedSyncs++
		if err = d.sync(); err == nil {
			err = d.s.Put(k, v)
		}
	}
	if err != nil {
		return err
	}
	if b := d.batch; b != nil {
		b.mu.Lock()
		if b.writes++; b.writes >= stores.BatchSize {
			// This Put committed the transaction: every write in it is
			// now visible in the store.
			b.m, b.writes = map[string][]byte{}, 0
		} else {
			b.m[string(k)] = v
		}
		b.mu.Unlock()
	}
	return nil
}

// sync ends a write phase: the store commits and flushes, and the open
// batch is empty. No write may run beside it; reads may.
func (d *db) sync() error {
	if err := d.s.Sync(); err != nil {
		return err
	}
	if b := d.batch; b != nil {
		b.mu.Lock()
		b.m, b.writes = map[string][]byte{}, 0
		b.mu.Unlock()
	}
	return nil
}
