package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"
)

var getCommand = &command{
	name: "get",
	args: "DIR KEY",
	summary: "print the value of KEY: a string or bytes as they are, any other value as JSON; " +
		"-json prints the line dump would; exit 1 if KEY is not there",
	example: "diskmap get /var/lib/app/sessions alice",
	run:     runGet,
}

func runGet(c *call, args []string) error {
	var asJSON bool
	args, err := c.parse(args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, `print {"key":..,"value":..,"expires":..} as dump does`)
	}, 2)
	if err != nil {
		return err
	}
	t, err := c.open(args[0], openOptions{readOnly: true})
	if err != nil {
		return err
	}
	if err := t.need(true, true); err != nil {
		return t.close(err)
	}
	return t.close(t.get(c.stdout, args[1], asJSON))
}

// get prints the value of the key arg stands for.
func (t *target) get(w io.Writer, arg string, asJSON bool) error {
	k, err := t.parseKey(arg)
	if err != nil {
		return err
	}
	v, found, err := t.Get(k)
	if err != nil {
		return err
	}
	if !found {
		return &exitError{exitFound, fmt.Errorf("%s: key %q is not in the map", t.dir, arg)}
	}
	if !asJSON {
		return writeText(w, v, t.values)
	}
	e := entry{key: k, value: v}
	if e.expires, err = t.expiry(k); err != nil {
		return err
	}
	lw := &lineWriter{w: bufio.NewWriter(w), keys: t.keys, values: t.values}
	if err := lw.write(e); err != nil {
		return err
	}
	return lw.w.Flush()
}

// expiry returns when k expires, zero if never.
func (t *target) expiry(k any) (expires time.Time, err error) {
	ttl, _, err := t.TTL(k)
	if err != nil || ttl == 0 {
		return time.Time{}, err
	}
	return t.expires(ttl), nil
}

// writeText writes v as get prints it: a string with a newline, bytes as
// they are, and any other value as JSON with a newline.
func writeText(w io.Writer, v any, f form) error {
	var b []byte
	switch f.(type) {
	case stringForm:
		b = append([]byte(v.(string)), '\n')
	case bytesForm:
		b = v.([]byte)
	default:
		j, err := f.toJSON(v)
		if err != nil {
			return fmt.Errorf("the value: %w", err)
		}
		if b, err = json.Marshal(j); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// parseKey returns the key an argument of the command line stands for.
func (t *target) parseKey(arg string) (any, error) {
	k, err := t.keys.parse(arg)
	if err != nil {
		return nil, fmt.Errorf("key: %w (the map's key codec is %s)", err, t.names.key)
	}
	return k, nil
}

// parseValue returns the value an argument of the command line stands for.
func (t *target) parseValue(arg string) (any, error) {
	v, err := t.values.parse(arg)
	if err != nil {
		return nil, fmt.Errorf("value: %w (the map's value codec is %s)", err, t.names.value)
	}
	return v, nil
}
