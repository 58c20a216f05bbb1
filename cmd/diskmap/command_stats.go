package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/diskmap-go/diskmap"
)

var statsCommand = &command{
	name:    "stats",
	args:    "DIR",
	summary: "print the size of a map and the state of its files: a table, or JSON with -json",
	example: "diskmap stats -json /var/lib/app/sessions",
	run:     runStats,
}

// statsReport is what stats prints: the map's Stats less the counters that
// only count since it was opened, which are always zero for the tool.
type statsReport struct {
	Dir        string        `json:"dir"`
	Kind       string        `json:"kind"`
	KeyCodec   string        `json:"key_codec"`
	ValueCodec string        `json:"value_codec"`
	Shards     int           `json:"shards,omitempty"`
	Len        int           `json:"len"`
	Capacity   int           `json:"capacity"`
	Tombstones int           `json:"tombstones"`
	LoadFactor float64       `json:"load_factor"`
	TableBytes int64         `json:"table_bytes"`
	Keys       arenaReport   `json:"keys"`
	Values     arenaReport   `json:"values"`
	Resizes    uint64        `json:"resizes"`
	Compacted  uint64        `json:"compactions"`
	PerShard   []shardReport `json:"per_shard,omitempty"`
}

type arenaReport struct {
	Live int64 `json:"live_bytes"`
	Dead int64 `json:"dead_bytes"`
	Size int64 `json:"file_bytes"`
}

type shardReport struct {
	Len        int         `json:"len"`
	Capacity   int         `json:"capacity"`
	Tombstones int         `json:"tombstones"`
	Keys       arenaReport `json:"keys"`
	Values     arenaReport `json:"values"`
}

func runStats(c *call, args []string) error {
	var asJSON bool
	args, err := c.parse(args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object instead of a table")
	}, 1)
	if err != nil {
		return err
	}
	t, err := c.open(args[0], openOptions{readOnly: true})
	if err != nil {
		return err
	}
	r := t.report()
	if err := t.Close(); err != nil {
		return err
	}
	if asJSON {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.stdout, "%s\n", b)
		return err
	}
	return r.table(c.stdout)
}

// report returns what stats prints of t.
func (t *target) report() statsReport {
	st, shards := t.stats()
	r := statsReport{
		Dir: t.dir, Kind: t.kind(), KeyCodec: t.names.key, ValueCodec: t.names.value, Shards: len(shards),
		Len: st.Len, Capacity: st.Capacity, Tombstones: st.Tombstones, LoadFactor: st.LoadFactor,
		TableBytes: st.TableBytes, Keys: arenaOf(st.Keys), Values: arenaOf(st.Values),
		Resizes: st.Resizes, Compacted: st.Compacted,
	}
	for _, s := range shards {
		r.PerShard = append(r.PerShard, shardReport{Len: s.Len, Capacity: s.Capacity, Tombstones: s.Tombstones,
			Keys: arenaOf(s.Keys), Values: arenaOf(s.Values)})
	}
	return r
}

func arenaOf(a diskmap.ArenaStats) arenaReport {
	return arenaReport{Live: a.Live, Dead: a.Dead, Size: a.Size}
}

// table prints r as a table of two columns.
func (r *statsReport) table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	kind := r.Kind
	if r.Shards > 0 {
		kind = fmt.Sprintf("%s of %d shards", r.Kind, r.Shards)
	}
	rows := [][2]string{
		{"map", r.Dir},
		{"kind", kind},
		{"codecs", fmt.Sprintf("key %s, value %s", r.KeyCodec, r.ValueCodec)},
		{"keys", fmt.Sprintf("%d (expired ones not yet removed among them)", r.Len)},
		{"table", fmt.Sprintf("%d slots, %d tombstones, load %.2f, %s", r.Capacity, r.Tombstones, r.LoadFactor, size(r.TableBytes))},
		{"keys arena", r.Keys.String()},
		{"values arena", r.Values.String()},
		{"resizes", fmt.Sprint(r.Resizes)},
		{"compactions", fmt.Sprint(r.Compacted)},
	}
	p := &printer{w: tw}
	for _, row := range rows {
		p.printf("%s\t%s\n", row[0], row[1])
	}
	if p.err != nil {
		return p.err
	}
	return tw.Flush()
}

// String describes an arena: its live and dead bytes and its file's size.
func (a arenaReport) String() string {
	share := 0.0
	if a.Live+a.Dead > 0 {
		share = 100 * float64(a.Dead) / float64(a.Live+a.Dead)
	}
	return fmt.Sprintf("%s live, %s dead (%.0f%%, what compact reclaims), file %s", size(a.Live), size(a.Dead), share, size(a.Size))
}

// size writes n bytes in the largest binary unit that keeps it at 1 or more.
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	x, i := float64(n), 0
	for x >= unit && i < 4 {
		x /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", x, [...]string{"B", "KiB", "MiB", "GiB", "TiB"}[i])
}
