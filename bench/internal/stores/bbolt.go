package stores

import (
	"errors"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

func init() {
	register(Kind{
		Name:   "bbolt",
		Open:   openBolt,
		Module: "go.etcd.io/bbolt",
		Settings: "NoSync: true, so that a commit does not fsync; Sync calls DB.Sync once at the " +
			"end of each write phase. Writes go 10,000 to an Update transaction. Each Get is " +
			"its own View transaction and copies the value out (bbolt's bytes are valid only " +
			"inside the transaction). One bucket.",
	})
}

var boltBucket = []byte("b")

// boltStore batches writes into one open read-write transaction, committed
// every BatchSize writes and by Sync.
type boltStore struct {
	db      *bolt.DB
	tx      *bolt.Tx
	b       *bolt.Bucket
	pending int
}

func openBolt(dir string) (Store, error) {
	db, err := bolt.Open(filepath.Join(dir, "bolt.db"), 0o644, &bolt.Options{NoSync: true})
	if err != nil {
		return nil, err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(boltBucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &boltStore{db: db}, nil
}

func (s *boltStore) write(f func(*bolt.Bucket) error) error {
	if s.tx == nil {
		tx, err := s.db.Begin(true)
		if err != nil {
			return err
		}
		s.tx, s.b = tx, tx.Bucket(boltBucket)
	}
	// bbolt keeps k and v until the commit; the workload never changes them.
	if err := f(s.b); err != nil {
		return err
	}
	if s.pending++; s.pending >= BatchSize {
		return s.commit()
	}
	return nil
}

func (s *boltStore) commit() error {
	if s.tx == nil {
		return nil
	}
	err := s.tx.Commit()
	s.tx, s.b, s.pending = nil, nil, 0
	return err
}

func (s *boltStore) Put(k, v []byte) error {
	return s.write(func(b *bolt.Bucket) error { return b.Put(k, v) })
}

// Increment reads and writes the counter in the open Update transaction.
func (s *boltStore) Increment(k []byte) error {
	return s.write(func(b *bolt.Bucket) error { return b.Put(k, counterAfter(b.Get(k))) })
}

func (s *boltStore) Delete(k []byte) error {
	return s.write(func(b *bolt.Bucket) error { return b.Delete(k) })
}

func (s *boltStore) Get(k []byte) ([]byte, bool, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(boltBucket).Get(k); v != nil {
			out = append(make([]byte, 0, len(v)), v...)
		}
		return nil
	})
	return out, out != nil, err
}

func (s *boltStore) Sync() error {
	if err := s.commit(); err != nil {
		return err
	}
	return s.db.Sync()
}

func (s *boltStore) Close() error {
	return errors.Join(s.commit(), s.db.Close())
}
