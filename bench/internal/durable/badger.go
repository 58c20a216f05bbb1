package durable

import (
	"errors"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/diskmap-go/diskmap/bench/internal/stores"
)

func init() {
	register(Kind{
		Name:   "badger",
		Open:   openBadger,
		Module: "github.com/dgraph-io/badger/v4",
		Settings: "Defaults but SyncWrites true (each commit returns once the value log is " +
			"fsynced) and Logger nil. Each Put is one db.Update transaction; badger's write " +
			"goroutine gathers the commits of concurrent writers into one fsync.",
	})
}

type badgerWriter struct{ db *badger.DB }

func openBadger(dir string) (Writer, error) {
	db, err := badger.Open(stores.BadgerOptions(dir).WithSyncWrites(true))
	if err != nil {
		return nil, err
	}
	return badgerWriter{db}, nil
}

func (s badgerWriter) Put(k, v []byte) error {
	return s.db.Update(func(t *badger.Txn) error { return t.Set(k, v) })
}

func (s badgerWriter) Get(k []byte) ([]byte, bool, error) {
	var out []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(k)
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	return out, err == nil, err
}

func (s badgerWriter) Close() error { return s.db.Close() }
