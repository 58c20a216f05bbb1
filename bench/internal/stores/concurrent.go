package stores

import "github.com/diskmap-go/diskmap/concurrent"

// Package concurrent: diskmap's sharded map for many goroutines, each shard
// a diskmap.Map behind a read-write lock.
func init() {
	for _, v := range []struct {
		name     string
		view     bool
		settings string
	}{
		{"concurrent-view", true, "Package concurrent with its defaults (4 x GOMAXPROCS shards, each a " +
			"diskmap.Map with default options). Reads use View, which hands the value to a " +
			"callback in place under the shard's read lock: no copy. Batched reads use GetMany, " +
			"copies (the package has no ViewMany)."},
		{"concurrent-get", false, "Package concurrent with its defaults. Reads use Get, which " +
			"returns a copy the caller may keep; batched reads use GetMany."},
	} {
		register(Kind{
			Name: v.name,
			Open: func(dir string) (Store, error) {
				m, err := concurrent.Open[[]byte, []byte](dir, nil)
				if err != nil {
					return nil, err
				}
				return concurrentStore{m}, nil
			},
			ReadsView: v.view,
			Module:    "github.com/diskmap-go/diskmap",
			Settings:  v.settings,
		})
	}
}

type concurrentStore struct {
	m *concurrent.Map[[]byte, []byte]
}

func (c concurrentStore) Put(k, v []byte) error              { return c.m.Put(k, v) }
func (c concurrentStore) Get(k []byte) ([]byte, bool, error) { return c.m.Get(k) }
func (c concurrentStore) Contains(k []byte) (bool, error)    { return c.m.Contains(k) }
func (c concurrentStore) Sync() error                        { return c.m.Sync() }
func (c concurrentStore) Close() error                       { return c.m.Close() }
func (c concurrentStore) Compact() error                     { return c.m.Compact() }

func (c concurrentStore) View(k []byte, fn func([]byte) error) (bool, error) {
	return c.m.View(k, fn)
}

// ReadMany reads through GetMany, copies: package concurrent has no ViewMany.
func (c concurrentStore) ReadMany(keys [][]byte, fn func(int, []byte, bool) error) error {
	return getMany(c.m.GetMany, keys, fn)
}

func (c concurrentStore) Delete(k []byte) error {
	_, err := c.m.Delete(k)
	return err
}
