package stores

import (
	"io"
	"log"

	"github.com/akrylysov/pogreb"
)

func init() {
	register(Kind{
		Name:   "pogreb",
		Open:   openPogreb,
		Module: "github.com/akrylysov/pogreb",
		Settings: "Defaults (no background sync, no background compaction). pogreb has no " +
			"transactions: each Put and Delete goes straight in, Sync calls DB.Sync once at the " +
			"end of each write phase. Get already returns a copy. pogreb's log is silenced.",
	})
}

func openPogreb(dir string) (Store, error) {
	pogreb.SetLogger(log.New(io.Discard, "", 0))
	db, err := pogreb.Open(dir, nil)
	if err != nil {
		return nil, err
	}
	return pogrebStore{db}, nil
}

type pogrebStore struct{ db *pogreb.DB }

func (s pogrebStore) Put(k, v []byte) error { return s.db.Put(k, v) }
func (s pogrebStore) Delete(k []byte) error { return s.db.Delete(k) }
func (s pogrebStore) Sync() error           { return s.db.Sync() }
func (s pogrebStore) Close() error          { return s.db.Close() }

// Increment is a Get and a Put: pogreb has no transactions.
func (s pogrebStore) Increment(k []byte) error {
	v, err := s.db.Get(k)
	if err != nil {
		return err
	}
	return s.db.Put(k, counterAfter(v))
}

func (s pogrebStore) Get(k []byte) ([]byte, bool, error) {
	v, err := s.db.Get(k)
	return v, v != nil, err
}
