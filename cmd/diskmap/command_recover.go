package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/diskmap-go/diskmap"
)

var recoverCommand = &command{
	name: "recover",
	args: "DIR",
	summary: "open a map for writing once, which repairs it if it was not closed cleanly, and " +
		"print what the recovery did, as Stats().Recovery says",
	example: "diskmap recover /var/lib/app/sessions",
	run:     runRecover,
}

func runRecover(c *call, args []string) error {
	args, err := c.parse(args, nil, 1)
	if err != nil {
		return err
	}
	t, err := c.open(args[0], openOptions{})
	if err != nil {
		return err
	}
	c.meter.finish()
	r := t.recovery()
	if err := t.Close(); err != nil {
		return err
	}
	return t.printRecovery(c.stdout, r)
}

// recovered is what the Open of a map did to recover it: the sum of its
// shards' Stats.Recovery, for a concurrent.Map.
type recovered struct {
	diskmap.Recovery
	ran, shards int // shards recovered, of shards
	len         int // keys after the recovery, the log's frames replayed
}

// recovery returns what the Open of t recovered.
func (t *target) recovery() recovered {
	st, shards := t.stats()
	if len(shards) == 0 {
		shards = []diskmap.Stats{st}
	}
	r := recovered{shards: len(shards), len: st.Len}
	for _, s := range shards {
		if !s.Recovery.Ran {
			continue
		}
		r.ran++
		r.Ran = true
		r.Took += s.Recovery.Took
		r.KeysFound += s.Recovery.KeysFound
		r.ValuesFound += s.Recovery.ValuesFound
		r.Keys += s.Recovery.Keys
		r.Dropped += s.Recovery.Dropped
		r.Frames += s.Recovery.Frames
		r.LogBytes += s.Recovery.LogBytes
		r.GrowingTable = r.GrowingTable || s.Recovery.GrowingTable
	}
	return r
}

// printRecovery says whether the map needed recovery, and what the
// recovery did.
func (t *target) printRecovery(w io.Writer, r recovered) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := &printer{w: tw}
	took := r.Took.Round(time.Microsecond)
	switch {
	case !r.Ran:
		p.printf("%s: %s, closed cleanly: there was nothing to recover\n", t.dir, t.kind())
	case t.sharded:
		p.printf("%s: %s, %d of %d shards not closed cleanly: the Open recovered %s in %v\n", t.dir, t.kind(), r.ran, r.shards, itThem(r.ran), took)
	default:
		p.printf("%s: %s, not closed cleanly: the Open recovered it in %v\n", t.dir, t.kind(), took)
	}
	if r.Ran {
		rows := [][2]string{
			{"keys in the rebuilt table", fmt.Sprint(r.Keys)}, // of the shards recovered
			{"slots dropped", fmt.Sprint(r.Dropped)},
			{"key records found", size(r.KeysFound)},
			{"value records found", size(r.ValuesFound)},
			{"log frames replayed", fmt.Sprint(r.Frames)},
			{"log replayed", size(r.LogBytes)},
			{"table was growing", yesNo(r.GrowingTable)},
			{"keys now", fmt.Sprint(r.len)},
		}
		for _, row := range rows {
			p.printf("%s\t%s\n", row[0], row[1])
		}
	}
	if p.err != nil {
		return p.err
	}
	return tw.Flush()
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
