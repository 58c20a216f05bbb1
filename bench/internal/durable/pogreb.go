package durable

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
		Settings: "BackgroundSyncInterval: -1, pogreb's setting for a sync after every write: " +
			"each Put fsyncs the data log before it returns, under the DB's lock, so writers " +
			"take turns. pogreb's log is silenced.",
	})
}

type pogrebWriter struct{ db *pogreb.DB }

func openPogreb(dir string) (Writer, error) {
	pogreb.SetLogger(log.New(io.Discard, "", 0))
	db, err := pogreb.Open(dir, &pogreb.Options{BackgroundSyncInterval: -1})
	if err != nil {
		return nil, err
	}
	return pogrebWriter{db}, nil
}

func (s pogrebWriter) Put(k, v []byte) error { return s.db.Put(k, v) }
func (s pogrebWriter) Close() error          { return s.db.Close() }

func (s pogrebWriter) Get(k []byte) ([]byte, bool, error) {
	v, err := s.db.Get(k)
	return v, v != nil, err
}
