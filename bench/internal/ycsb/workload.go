package ycsb

import (
	"fmt"
	"strings"
)

// Op is a kind of operation, one column of the results.
type Op int

// The operations of the core workloads.
const (
	Read Op = iota
	Update
	Insert
	ReadModifyWrite
	numOps
)

// Ops lists every operation, in table order.
var Ops = []Op{Read, Update, Insert, ReadModifyWrite}

var opNames = [numOps]string{"read", "update", "insert", "read-modify-write"}

// String returns the operation's name as the results write it.
func (o Op) String() string {
	if o < 0 || o >= numOps {
		return fmt.Sprintf("Op(%d)", int(o))
	}
	return opNames[o]
}

// Workload is one YCSB core workload: the share of each operation, in
// percent, and the request distribution.
type Workload struct {
	Name string
	// Mix is the percentage of each operation, summing to 100.
	Mix [numOps]int
	// Latest chooses records skewed towards the latest insert (YCSB's
	// requestdistribution=latest); else scrambled zipfian.
	Latest bool
	// About says what the workload models, after YCSB's workloads/ files.
	About string
}

// Workloads are the core workloads in the order they run on one load: A, B,
// C, F, then D, whose inserts would change the others' record count.
var Workloads = []Workload{
	{Name: "A", Mix: [numOps]int{Read: 50, Update: 50}, About: "update heavy: 50% read, 50% update, zipfian"},
	{Name: "B", Mix: [numOps]int{Read: 95, Update: 5}, About: "read mostly: 95% read, 5% update, zipfian"},
	{Name: "C", Mix: [numOps]int{Read: 100}, About: "read only: 100% read, zipfian"},
	{Name: "F", Mix: [numOps]int{Read: 50, ReadModifyWrite: 50}, About: "read-modify-write: 50% read, 50% read-modify-write, zipfian"},
	{Name: "D", Mix: [numOps]int{Read: 95, Insert: 5}, Latest: true, About: "read latest: 95% read, 5% insert, latest"},
}

// Names returns the names of the workloads, in run order.
func Names() []string {
	var ns []string
	for _, w := range Workloads {
		ns = append(ns, w.Name)
	}
	return ns
}

// Parse returns the workloads named in list, comma-separated, in run
// order; an empty list is every workload.
func Parse(list string) ([]Workload, error) {
	if strings.TrimSpace(list) == "" {
		return Workloads, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.ToUpper(strings.TrimSpace(n))
		if n == "E" {
			return nil, fmt.Errorf("ycsb: workload E (range scans) does not apply to hash maps; have %s", strings.Join(Names(), ","))
		}
		if _, err := lookup(n); err != nil {
			return nil, err
		}
		want[n] = true
	}
	var ws []Workload
	for _, w := range Workloads {
		if want[w.Name] {
			ws = append(ws, w)
		}
	}
	return ws, nil
}

func lookup(name string) (Workload, error) {
	for _, w := range Workloads {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, fmt.Errorf("ycsb: unknown workload %q (have %s)", name, strings.Join(Names(), ","))
}

// choose returns the operation that a uniform draw p in [0, 100) picks.
func (w Workload) choose(p int) Op {
	for _, o := range Ops {
		if p < w.Mix[o] {
			return o
		}
		p -= w.Mix[o]
	}
	return Read
}
