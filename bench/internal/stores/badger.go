package stores

import (
	"errors"

	badger "github.com/dgraph-io/badger/v4"
)

func init() {
	register(Kind{
		Name:   "badger",
		Open:   openBadger,
		Module: "github.com/dgraph-io/badger/v4",
		Settings: "Defaults (SyncWrites false, values up to 1 MiB kept in the LSM tree, Snappy " +
			"block compression, 256 MiB block cache) but Logger nil, to keep its log off the " +
			"results. Writes go 10,000 to a read-write transaction; Sync calls DB.Sync once " +
			"at the end of each write phase. Each Get is its own View transaction and copies " +
			"the value out with Item.ValueCopy.",
	})
}

// badgerStore batches writes into one open transaction, committed every
// BatchSize writes and by Sync.
type badgerStore struct {
	db      *badger.DB
	txn     *badger.Txn
	pending int
}

func openBadger(dir string) (Store, error) {
	db, err := badger.Open(BadgerOptions(dir))
	if err != nil {
		return nil, err
	}
	return &badgerStore{db: db}, nil
}

func (s *badgerStore) write(f func(*badger.Txn) error) error {
	if s.txn == nil {
		s.txn = s.db.NewTransaction(true)
	}
	// badger keeps k and v until the commit; the workload never changes them.
	if err := f(s.txn); err != nil {
		return err
	}
	if s.pending++; s.pending >= BatchSize {
		return s.commit()
	}
	return nil
}

func (s *badgerStore) commit() error {
	if s.txn == nil {
		return nil
	}
	err := s.txn.Commit()
	s.txn, s.pending = nil, 0
	return err
}

func (s *badgerStore) Put(k, v []byte) error {
	return s.write(func(t *badger.Txn) error { return t.Set(k, v) })
}

// Increment reads and writes the counter in the open transaction, which
// sees its own writes.
func (s *badgerStore) Increment(k []byte) error {
	return s.write(func(t *badger.Txn) error {
		var next []byte
		item, err := t.Get(k)
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
			next, err = counterAfter(nil), nil
		case err != nil:
			return err
		default:
			err = item.Value(func(v []byte) error { next = counterAfter(v); return nil })
		}
		if err != nil {
			return err
		}
		return t.Set(k, next)
	})
}

func (s *badgerStore) Delete(k []byte) error {
	return s.write(func(t *badger.Txn) error { return t.Delete(k) })
}

func (s *badgerStore) Get(k []byte) ([]byte, bool, error) {
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

func (s *badgerStore) Sync() error {
	if err := s.commit(); err != nil {
		return err
	}
	return s.db.Sync()
}

func (s *badgerStore) Close() error {
	return errors.Join(s.commit(), s.db.Close())
}

// BadgerOptions returns the options every benchmark opens badger in dir
// with: its defaults but no logger, to keep its log off the results.
func BadgerOptions(dir string) badger.Options { return badger.DefaultOptions(dir).WithLogger(nil) }
