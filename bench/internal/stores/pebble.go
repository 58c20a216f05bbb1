package stores

import (
	"errors"

	"github.com/cockroachdb/pebble/v2"
)

func init() {
	register(Kind{
		Name:   "pebble",
		Open:   openPebble,
		Module: "github.com/cockroachdb/pebble/v2",
		Settings: "Defaults (8 MiB block cache, 4 MiB memtable, default format version) but a " +
			"silent Logger, to keep its log off the results. Writes go 10,000 to a Batch " +
			"committed with NoSync; Sync commits the last batch with Sync (an fsync of the " +
			"WAL, which makes every earlier batch durable) once at the end of each write " +
			"phase. Get copies the value out before closing its Closer.",
	})
}

// pebbleStore batches writes, committed every BatchSize writes and by Sync.
type pebbleStore struct {
	db      *pebble.DB
	b       *pebble.Batch
	pending int
}

// PebbleOptions returns the options every benchmark opens pebble with:
// its defaults but a logger that keeps its log off the results.
func PebbleOptions() *pebble.Options { return &pebble.Options{Logger: quietLogger{}} }

// quietLogger keeps pebble's log off the results.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	pebble.DefaultLogger.Fatalf(format, args...)
}

func openPebble(dir string) (Store, error) {
	db, err := pebble.Open(dir, PebbleOptions())
	if err != nil {
		return nil, err
	}
	return &pebbleStore{db: db}, nil
}

func (s *pebbleStore) write(f func(*pebble.Batch) error) error {
	if s.b == nil {
		s.b = s.db.NewBatch()
	}
	if err := f(s.b); err != nil {
		return err
	}
	if s.pending++; s.pending >= BatchSize {
		return s.commit(pebble.NoSync)
	}
	return nil
}

func (s *pebbleStore) commit(o *pebble.WriteOptions) error {
	if s.b == nil {
		return nil
	}
	err := s.b.Commit(o)
	err = errors.Join(err, s.b.Close())
	s.b, s.pending = nil, 0
	return err
}

func (s *pebbleStore) Put(k, v []byte) error {
	return s.write(func(b *pebble.Batch) error { return b.Set(k, v, nil) })
}

// Increment reads the counter through an indexed batch, which sees the
// batch's own writes and then the database's, and sets it in the batch.
// Puts and increments do not share a batch: a batch of Puts is committed
// first.
func (s *pebbleStore) Increment(k []byte) error {
	if s.b != nil && !s.b.Indexed() {
		if err := s.commit(pebble.NoSync); err != nil {
			return err
		}
	}
	if s.b == nil {
		s.b = s.db.NewIndexedBatch()
	}
	next := counterAfter(nil)
	v, closer, err := s.b.Get(k)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return err
	default:
		next = counterAfter(v) // a copy, made before the Closer closes
		if err := closer.Close(); err != nil {
			return err
		}
	}
	return s.write(func(b *pebble.Batch) error { return b.Set(k, next, nil) })
}

func (s *pebbleStore) Delete(k []byte) error {
	return s.write(func(b *pebble.Batch) error { return b.Delete(k, nil) })
}

func (s *pebbleStore) Get(k []byte) ([]byte, bool, error) {
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

func (s *pebbleStore) Sync() error {
	if s.b != nil {
		return s.commit(pebble.Sync)
	}
	return s.db.LogData(nil, pebble.Sync)
}

func (s *pebbleStore) Close() error {
	return errors.Join(s.commit(pebble.NoSync), s.db.Close())
}
