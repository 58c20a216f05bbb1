package durable_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/diskmap-go/diskmap/bench/internal/durable"
)

// Every store, with one writer and with several, writes durably and reads
// back every value it wrote after a reopen.
func TestEveryStoreReadsBackItsWrites(t *testing.T) {
	for _, k := range durable.All() {
		for _, writers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/writers=%d", k.Name, writers), func(t *testing.T) {
				res, err := durable.Run(k, durable.Config{
					Writers: writers, Duration: 10 * time.Second, MaxWrites: 40,
					ValueSize: 100, Seed: 7, Dir: t.TempDir(),
				})
				if err != nil {
					t.Fatal(err)
				}
				if res.Writes != 40 || res.Checked != 40 {
					t.Fatalf("%d writes, %d read back; want 40 of each", res.Writes, res.Checked)
				}
				if res.Latency.N != 40 || res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99 {
					t.Fatalf("latency summary %+v does not count 40 writes", res.Latency)
				}
				if res.PerSecond() <= 0 {
					t.Fatalf("%v writes a second", res.PerSecond())
				}
			})
		}
	}
}

func TestLookupNamesEveryKind(t *testing.T) {
	for _, n := range durable.Names() {
		if _, err := durable.Lookup(n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := durable.Lookup("nosuch"); err == nil {
		t.Fatal("Lookup of an unknown store succeeded")
	}
}

func TestFloorCountsSyncedAppends(t *testing.T) {
	r, err := durable.Floor(t.TempDir(), 116, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Syncs < 1 || uint64(r.Syncs) != r.Latency.N || r.PerSecond() <= 0 {
		t.Fatalf("floor %+v", r)
	}
	if _, err := durable.Floor(t.TempDir(), 0, time.Second); err == nil {
		t.Fatal("a floor of 0-byte records ran")
	}
}

func TestRunRefusesABadConfig(t *testing.T) {
	k, _ := durable.Lookup("pebble")
	if _, err := durable.Run(k, durable.Config{Writers: 0, Duration: time.Second, Dir: t.TempDir()}); err == nil {
		t.Fatal("a run of 0 writers ran")
	}
}
