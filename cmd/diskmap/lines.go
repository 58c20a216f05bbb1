package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// A line is one entry as dump writes it and load reads it, one JSON object
// a line:
//
//	{"key":"alice","value":"aGVsbG8=","expires":"2030-01-02T15:04:05.999999999Z"}
//
// Key and value are in the JSON form of their codec (see form); expires,
// for a key put with a time to live, is when it expires, in RFC 3339 with
// nanoseconds, and is left out for a key that never expires. A dump of
// keys only has no value.
type line struct {
	Key     json.RawMessage `json:"key"`
	Value   json.RawMessage `json:"value,omitempty"`
	Expires string          `json:"expires,omitempty"`
}

// An entry is a line decoded with the forms of a map's codecs.
type entry struct {
	key, value any
	expires    time.Time // zero: never
}

// lineWriter writes the lines of a dump.
type lineWriter struct {
	w            *bufio.Writer
	keys, values form
}

type outLine struct {
	Key     any    `json:"key"`
	Value   any    `json:"value"`
	Expires string `json:"expires,omitempty"`
}

type keyLine struct {
	Key any `json:"key"`
}

// write writes one entry's line.
func (lw *lineWriter) write(e entry) error {
	k, err := lw.keys.toJSON(e.key)
	if err != nil {
		return fmt.Errorf("a key: %w", err)
	}
	v, err := lw.values.toJSON(e.value)
	if err != nil {
		return fmt.Errorf("the value of key %s: %w", shown(k), err)
	}
	l := outLine{Key: k, Value: v}
	if !e.expires.IsZero() {
		l.Expires = e.expires.UTC().Format(time.RFC3339Nano)
	}
	return lw.encode(l)
}

// writeKey writes the line of a key alone.
func (lw *lineWriter) writeKey(k any) error {
	j, err := lw.keys.toJSON(k)
	if err != nil {
		return fmt.Errorf("a key: %w", err)
	}
	return lw.encode(keyLine{Key: j})
}

func (lw *lineWriter) encode(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	if _, err := lw.w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing the dump: %w", err)
	}
	return nil
}

// lineReader reads the lines load takes. Blank lines are skipped.
type lineReader struct {
	r            *bufio.Reader
	n            int // number of the line read last, from 1
	keys, values form
}

// lineError is a malformed line: it says which.
type lineError struct {
	n   int
	err error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.n, e.err) }
func (e *lineError) Unwrap() error { return e.err }

// next returns the next entry, and io.EOF after the last.
func (lr *lineReader) next() (entry, error) {
	for {
		b, err := lr.r.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return entry{}, io.EOF
			}
			return entry{}, fmt.Errorf("reading the input: %w", err)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return entry{}, fmt.Errorf("reading the input: %w", err)
		}
		lr.n++
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		e, err := lr.decode(b)
		if err != nil {
			return entry{}, &lineError{lr.n, err}
		}
		return e, nil
	}
}

// decode decodes one line.
func (lr *lineReader) decode(b []byte) (entry, error) {
	var l line
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&l); err != nil {
		return entry{}, fmt.Errorf("not a JSON object of key, value and expires: %v", err)
	}
	if d.More() {
		return entry{}, errors.New("more than one JSON value")
	}
	if l.Key == nil {
		return entry{}, errors.New("no key")
	}
	var e entry
	var err error
	if e.key, err = lr.keys.fromJSON(l.Key); err != nil {
		return entry{}, fmt.Errorf("key: %w", err)
	}
	if e.value, err = lr.values.fromJSON(l.Value); err != nil {
		return entry{}, fmt.Errorf("value: %w", err)
	}
	if l.Expires != "" {
		if e.expires, err = time.Parse(time.RFC3339Nano, l.Expires); err != nil {
			return entry{}, fmt.Errorf("expires: want a time in RFC 3339, got %q", l.Expires)
		}
	}
	return e, nil
}

// shown returns a key, in the form toJSON gives, as an error shows it.
func shown(k any) string {
	b, err := json.Marshal(k)
	if err != nil {
		return fmt.Sprint(k)
	}
	return clip(b)
}
