package ycsb

import (
	"fmt"
	"time"

	"github.com/pingcap/go-ycsb/pkg/ycsb"
)

// op runs one operation of kind o on a record that keys chooses and
// counts its latency. The key and any value written are made before the
// clock starts, so the latency is the store's and the benchmark's locks';
// a checked read's byte-for-byte comparison runs after it stops.
func (c *client) op(o Op, keys ycsb.Generator) error {
	switch o {
	case Read:
		n := c.record(keys)
		k, min := Key(n), c.m.versions[n].Load()
		start := time.Now()
		got, err := c.read(n, k, min)
		c.lat[Read].Add(time.Since(start))
		if err != nil {
			return err
		}
		return c.compare(n, got)
	case Update:
		n := c.record(keys)
		mu := c.m.lock(n)
		mu.Lock()
		defer mu.Unlock()
		next := c.m.versions[n].Load() + 1
		k, v := Key(n), Value(n, next)
		start := time.Now()
		err := c.d.write(k, v)
		c.lat[Update].Add(time.Since(start))
		if err != nil {
			return fmt.Errorf("update of record %d: %w", n, err)
		}
		c.m.versions[n].Store(next)
		return nil
	case Insert:
		n := c.m.inserts.Next(nil)
		if n >= int64(len(c.m.versions)) {
			return fmt.Errorf("insert of record %d: the model holds %d records", n, len(c.m.versions))
		}
		k, v := Key(n), Value(n, 0)
		start := time.Now()
		err := c.d.write(k, v)
		c.lat[Insert].Add(time.Since(start))
		if err != nil {
			return fmt.Errorf("insert of record %d: %w", n, err)
		}
		c.m.inserts.acknowledge(n)
		return nil
	case ReadModifyWrite:
		return c.readModifyWrite(c.record(keys))
	}
	return fmt.Errorf("ycsb: unknown operation %v", o)
}

// readModifyWrite reads record n and writes its next version, holding its
// stripe's lock so that no other write of n comes between.
func (c *client) readModifyWrite(n int64) error {
	mu := c.m.lock(n)
	mu.Lock()
	defer mu.Unlock()
	cur := c.m.versions[n].Load()
	k, v := Key(n), Value(n, cur+1)
	start := time.Now()
	got, err := c.read(n, k, cur)
	if err == nil {
		if err = c.d.write(k, v); err != nil {
			err = fmt.Errorf("read-modify-write of record %d: %w", n, err)
		}
	}
	c.lat[ReadModifyWrite].Add(time.Since(start))
	if err != nil {
		return err
	}
	c.m.versions[n].Store(cur + 1)
	return c.compare(n, got)
}

// record returns the next record that keys chooses, never one above the
// latest acknowledged insert (YCSB's CoreWorkload.nextKeynum).
func (c *client) record(keys ycsb.Generator) int64 {
	for {
		if n := keys.Next(c.r); n <= c.m.inserts.Last() {
			return n
		}
	}
}

// read reads record n under key k, whose version was at least min before
// the read, and checks its record number and version. One read in
// c.every is copied out, to be compared by compare; else it returns nil.
func (c *client) read(n int64, k []byte, min uint64) ([]byte, error) {
	c.reads++
	keep := c.reads%c.every == 0
	found, fromBatch, err := c.d.read(k, func(b []byte) error {
		if err := c.m.check(n, b, min, false); err != nil {
			return err
		}
		if keep {
			c.scratch = append(c.scratch[:0], b...)
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("read of record %d: %w", n, err)
	case !found:
		return nil, fmt.Errorf("read of record %d: key %s not found", n, k)
	}
	if fromBatch {
		c.fromBatch++
	}
	if keep {
		return c.scratch, nil
	}
	return nil, nil
}

// compare checks every byte of a value that read kept, if it kept one.
func (c *client) compare(n int64, b []byte) error {
	if b == nil {
		return nil
	}
	c.checked++
	if err := c.m.check(n, b, 0, true); err != nil {
		return fmt.Errorf("read of record %d: %w", n, err)
	}
	return nil
}
