package stores

import (
	"encoding/binary"

	"github.com/diskmap-go/diskmap"
)

// A diskmap variant: the read path, and the options it opens with.
type diskmapVariant struct {
	name     string
	view     bool // timed reads through View (no copy) instead of Get (a copy)
	opts     func() *diskmap.Options
	settings string
}

var diskmapVariants = []diskmapVariant{
	{
		name: "diskmap-view", view: true, opts: func() *diskmap.Options { return nil },
		settings: "Defaults (durability through the OS page cache, synced by Sync and Close). " +
			"Reads use View: the value's bytes in place, valid until the next write, no copy; " +
			"batched reads use ViewMany.",
	},
	{
		name: "diskmap-get", view: false, opts: func() *diskmap.Options { return nil },
		settings: "Defaults. Reads use Get, which returns a copy of the value the caller may keep; " +
			"batched reads use GetMany.",
	},
	{
		name: "diskmap-wal-view", view: true,
		opts: func() *diskmap.Options { return &diskmap.Options{Durability: diskmap.DurabilityWAL} },
		settings: "Durability: DurabilityWAL: every write also goes to the write-ahead log; " +
			"Sync fsyncs the log. Reads use View.",
	},
}

func init() {
	for _, v := range diskmapVariants {
		register(Kind{
			Name: v.name,
			Open: func(dir string) (Store, error) {
				m, err := diskmap.Open[[]byte, []byte](dir, v.opts())
				if err != nil {
					return nil, err
				}
				return &diskmapStore{m: m, view: v.view}, nil
			},
			ReadsView: v.view,
			Module:    "github.com/diskmap-go/diskmap",
			Settings:  v.settings,
		})
	}
}

type diskmapStore struct {
	m    *diskmap.BytesMap
	view bool // ReadMany through ViewMany, else GetMany
}

func (d *diskmapStore) Put(k, v []byte) error              { return d.m.Put(k, v) }
func (d *diskmapStore) Get(k []byte) ([]byte, bool, error) { return d.m.Get(k) }

func (d *diskmapStore) View(k []byte, fn func([]byte) error) (bool, error) {
	b, ok, err := d.m.View(k)
	if !ok || err != nil {
		return ok, err
	}
	return true, fn(b)
}

// ReadMany reads through ViewMany, in place, or GetMany, copies.
func (d *diskmapStore) ReadMany(keys [][]byte, fn func(int, []byte, bool) error) error {
	if d.view {
		return d.m.ViewMany(keys, fn)
	}
	return getMany(d.m.GetMany, keys, fn)
}

// getMany calls fn on what a GetMany gives.
func getMany(get func([][]byte) ([][]byte, []bool, error), keys [][]byte, fn func(int, []byte, bool) error) error {
	vals, found, err := get(keys)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if err := fn(i, v, found[i]); err != nil {
			return err
		}
	}
	return nil
}

func (d *diskmapStore) Contains(k []byte) (bool, error) { return d.m.Contains(k) }

// Increment is an upsert through the entry API: one probe, then the
// counter written back, in place where the map can.
func (d *diskmapStore) Increment(k []byte) error {
	_, err := d.m.Entry(k).AndModify(bump).OrInsert(counterOne)
	return err
}

// counterOne is the first value of a counter.
var counterOne = counterAfter(nil)

// bump adds one to the counter v, a copy of the stored one.
func bump(v *[]byte) {
	if len(*v) == 8 {
		binary.LittleEndian.PutUint64(*v, Counter(*v)+1)
	}
}

func (d *diskmapStore) Delete(k []byte) error {
	_, err := d.m.Delete(k)
	return err
}

// Footprint is the bytes of the live key and value records, with their
// headers and padding, and of the table: the files of a map just compacted.
func (d *diskmapStore) Footprint() (int64, error) {
	s := d.m.Stats()
	return s.Keys.Live + s.Values.Live + s.TableBytes, nil
}

func (d *diskmapStore) Sync() error    { return d.m.Sync() }
func (d *diskmapStore) Close() error   { return d.m.Close() }
func (d *diskmapStore) Compact() error { return d.m.Compact() }
