package durable

import (
	"errors"

	"github.com/cockroachdb/pebble/v2"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

func init() {
	register(Kind{
		Name:   "pebble",
		Open:   openPebble,
		Module: "github.com/cockroachdb/pebble/v2",
		Settings: "Defaults but a silent Logger. Each Put is DB.Set with pebble.Sync: it returns " +
			"once the WAL is fsynced; pebble's commit pipeline lets concurrent writers share " +
			"a WAL fsync.",
	})
}

type pebbleWriter struct{ db *pebble.DB }

func openPebble(dir string) (Writer, error) {
	db, err := pebble.Open(dir, stores.PebbleOptions())
	if err != nil {
		return nil, err
	}
	return pebbleWriter{db}, nil
}

func (s pebbleWriter) Put(k, v []byte) error { return s.db.Set(k, v, pebble.Sync) }

func (s pebbleWriter) Get(k []byte) ([]byte, bool, error) {
	v, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := append(make([]byte, 0, len(v)), v...)
	return out, true, closer.Close()
}

func (s pebbleWriter) Close() error { return s.db.Close() }
