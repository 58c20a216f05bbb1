package durable

import (
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

func init() {
	register(Kind{
		Name:   "bbolt",
		Open:   func(dir string) (Writer, error) { return openBolt(dir, false) },
		Module: "go.etcd.io/bbolt",
		Settings: "Defaults (NoSync false: each commit fsyncs the file). Each Put is one db.Update " +
			"transaction; bbolt runs one read-write transaction at a time, so writers take turns.",
	})
	register(Kind{
		Name:   "bbolt-batch",
		Open:   func(dir string) (Writer, error) { return openBolt(dir, true) },
		Module: "go.etcd.io/bbolt",
		Settings: "Defaults, and each Put is a db.Batch call: bbolt's own group commit, which " +
			"gathers the calls of concurrent writers (up to MaxBatchSize 1000, waiting up to " +
			"MaxBatchDelay 10 ms) into one synced transaction.",
	})
}

var boltBucket = []byte("b")

// boltWriter puts each write in a synced transaction of its own, or of a
// batch with db.Batch.
type boltWriter struct {
	db    *bolt.DB
	batch bool
}

func openBolt(dir string, batch bool) (Writer, error) {
	db, err := bolt.Open(filepath.Join(dir, "bolt.db"), 0o644, nil)
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
	return &boltWriter{db: db, batch: batch}, nil
}

func (s *boltWriter) Put(k, v []byte) error {
	put := func(tx *bolt.Tx) error { return tx.Bucket(boltBucket).Put(k, v) }
	if s.batch {
		return s.db.Batch(put) // put may run twice: it is idempotent
	}
	return s.db.Update(put)
}

func (s *boltWriter) Get(k []byte) ([]byte, bool, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(boltBucket).Get(k); v != nil {
			out = append(make([]byte, 0, len(v)), v...)
		}
		return nil
	})
	return out, out != nil, err
}

func (s *boltWriter) Close() error { return s.db.Close() }
