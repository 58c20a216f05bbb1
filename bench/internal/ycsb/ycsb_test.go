package ycsb

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/pingcap/go-ycsb/pkg/generator"
	"github.com/pingcap/go-ycsb/pkg/util"
)

// zeta is the generalized harmonic number of n and theta: the zipfian's
// normalizing constant, so that item i (from 0) has probability
// 1/(i+1)^theta/zeta.
func zeta(n int64, theta float64) float64 {
	s := 0.0
	for i := int64(1); i <= n; i++ {
		s += 1 / math.Pow(float64(i), theta)
	}
	return s
}

// counts draws n values and counts each.
func counts(n int, next func(*rand.Rand) int64) map[int64]int {
	r := rand.New(rand.NewSource(7))
	c := map[int64]int{}
	for range n {
		c[next(r)]++
	}
	return c
}

// near fails the test unless the share of draws got of n is within 10% of
// the probability want.
func near(t *testing.T, what string, got, n int, want float64) {
	t.Helper()
	share := float64(got) / float64(n)
	if math.Abs(share-want) > 0.1*want {
		t.Errorf("%s drawn %.4f of the time, want %.4f", what, share, want)
	}
}

// The zipfian with constant 0.99 draws item i with probability
// 1/(i+1)^0.99 over zeta(items, 0.99), after Gray et al.
func TestZipfianShape(t *testing.T) {
	const items, draws = 1000, 400_000
	z := generator.NewZipfianWithItems(items, generator.ZipfianConstant)
	c := counts(draws, z.Next)
	zn := zeta(items, 0.99)
	near(t, "item 0", c[0], draws, 1/zn)
	near(t, "item 1", c[1], draws, 1/math.Pow(2, 0.99)/zn)
	near(t, "item 9", c[9], draws, 1/math.Pow(10, 0.99)/zn)
	for v := range c {
		if v < 0 || v >= items {
			t.Fatalf("drew %d, outside [0, %d)", v, items)
		}
	}
}

// The scrambled zipfian draws from a zipfian over 10^10 items and hashes
// the item into the records, so the most popular record is the hash of
// item 0, drawn 1/zeta(10^10, 0.99) of the time, and the popular records
// are spread over the key space rather than at its start.
func TestScrambledZipfianShape(t *testing.T) {
	const records, draws = 100_000, 400_000
	z := generator.NewScrambledZipfian(0, records-1, generator.ZipfianConstant)
	c := counts(draws, z.Next)
	top := util.Hash64(0) % records
	near(t, "the hash of item 0", c[top], draws, 1/26.46902820178302)
	if c[0] > c[top]/10 {
		t.Errorf("record 0 drawn %d times against %d for the top record: not scrambled", c[0], c[top])
	}
}

// Skewed latest draws the newest record most, with the zipfian's
// probability of item 0, and follows the inserts as they are acknowledged.
func TestSkewedLatestShape(t *testing.T) {
	const records, draws = 10_000, 400_000
	a := newAckCounter(records)
	s := generator.NewSkewedLatest(a)
	c := counts(draws, s.Next)
	near(t, "the newest record", c[records-1], draws, 1/zeta(records-1, 0.99))
	n := a.Next(nil)
	a.acknowledge(n)
	if a.Last() != records {
		t.Fatalf("after one insert the newest record is %d, want %d", a.Last(), records)
	}
	c = counts(draws, s.Next)
	near(t, "the inserted record", c[records], draws, 1/zeta(records, 0.99))
}

// Inserts acknowledged out of order make records readable only once every
// one before them is in.
func TestAcknowledgedCounter(t *testing.T) {
	a := newAckCounter(10)
	x, y, z := a.Next(nil), a.Next(nil), a.Next(nil)
	a.acknowledge(z)
	a.acknowledge(y)
	if a.Last() != 9 {
		t.Fatalf("latest %d with record %d not yet inserted, want 9", a.Last(), x)
	}
	a.acknowledge(x)
	if a.Last() != 12 {
		t.Fatalf("latest %d after all three inserts, want 12", a.Last())
	}
}

// Keys are YCSB's hashed ones, and a value names its record and version.
func TestRecord(t *testing.T) {
	seen := map[string]bool{}
	for n := range int64(10_000) {
		k := string(Key(n))
		if !strings.HasPrefix(k, "user") || seen[k] {
			t.Fatalf("key %q of record %d: not user and a hash, or not unique", k, n)
		}
		seen[k] = true
	}
	v := Value(42, 7)
	if len(v) != ValueSize || !bytes.Equal(v, Value(42, 7)) || bytes.Equal(v, Value(42, 8)) {
		t.Fatal("a value is not 1,000 bytes derived from its record and version alone")
	}
	if got, err := version(42, v); err != nil || got != 7 {
		t.Fatalf("version(42) = %d, %v; want 7", got, err)
	}
	if _, err := version(43, v); err == nil {
		t.Fatal("the value of record 42 passed as record 43's")
	}
}

// tiny is a run small enough for a test that still commits every batched
// store's transaction in the middle of workload A.
func tiny(clients int) Config {
	return Config{Records: 3000, Ops: 2*stores.BatchSize + 4000, Clients: clients, Seed: 1, Workloads: Workloads, CheckEvery: 1}
}

// Every store runs the load and every workload with one client and with
// several, and every value read back is the one the model says it holds.
func TestEveryStore(t *testing.T) {
	for _, k := range stores.All() {
		for _, clients := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/clients=%d", k.Name, clients), func(t *testing.T) {
				res, err := Run(k, t.TempDir(), tiny(clients))
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Workloads) != len(Workloads) || res.Load.Ops != 3000 {
					t.Fatalf("ran %d workloads and loaded %d records", len(res.Workloads), res.Load.Ops)
				}
				for i, p := range res.Workloads {
					w := Workloads[i]
					var ops uint64
					for _, o := range Ops {
						n := p.Latency[o.String()].N
						if (n > 0) != (w.Mix[o] > 0) {
							t.Errorf("workload %s ran %d %v operations at %d%%", w.Name, n, o, w.Mix[o])
						}
						ops += n
					}
					reads := p.Latency["read"].N + p.Latency["read-modify-write"].N
					if ops != uint64(p.Ops) || p.Checked != int64(reads) || p.OpsPerSec <= 0 {
						t.Errorf("workload %s: %d operations timed of %d, %d reads checked of %d", w.Name, ops, p.Ops, p.Checked, reads)
					}
				}
			})
		}
	}
}

// lossy keeps only the first value of each key: a store that loses updates.
type lossy struct{ m map[string][]byte }

func (l *lossy) Put(k, v []byte) error {
	if _, ok := l.m[string(k)]; !ok {
		l.m[string(k)] = v
	}
	return nil
}
func (l *lossy) Get(k []byte) ([]byte, bool, error) { v, ok := l.m[string(k)]; return v, ok, nil }
func (l *lossy) Delete(k []byte) error              { delete(l.m, string(k)); return nil }
func (l *lossy) Sync() error                        { return nil }
func (l *lossy) Close() error                       { return nil }

// A store that loses updates fails the run at the first read of an
// updated record.
func TestLostUpdateFails(t *testing.T) {
	accesses["lossy"] = access{}
	defer delete(accesses, "lossy")
	k := stores.Kind{Name: "lossy", Open: func(string) (stores.Store, error) { return &lossy{m: map[string][]byte{}}, nil }}
	_, err := Run(k, t.TempDir(), Config{Records: 100, Ops: 1000, Clients: 1, Workloads: Workloads[:1]})
	if err == nil || !strings.Contains(err.Error(), "older than version") {
		t.Fatalf("a store that loses updates ran with error %v", err)
	}
}

// Bad settings and unknown workloads are errors, and workload E is
// refused with the reason.
func TestBadInput(t *testing.T) {
	if _, err := Parse("A,E"); err == nil || !strings.Contains(err.Error(), "range scans") {
		t.Errorf("Parse(A,E) = %v", err)
	}
	if _, err := Parse("Z"); err == nil {
		t.Error("Parse(Z) accepted an unknown workload")
	}
	ws, err := Parse("d, a")
	if err != nil || len(ws) != 2 || ws[0].Name != "A" || ws[1].Name != "D" {
		t.Errorf("Parse(d, a) = %v, %v; want A then D", ws, err)
	}
	k, _ := stores.Lookup("builtin")
	if _, err := Run(k, t.TempDir(), Config{Records: 1, Clients: 1}); err == nil {
		t.Error("a run of one record was accepted")
	}
}
