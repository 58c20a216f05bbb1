package main

import (
	"bufio"
	"flag"
)

var dumpCommand = &command{
	name: "dump",
	args: "DIR",
	summary: `print every entry as a line of JSON, {"key":..,"value":..,"expires":..}: strings and ` +
		"numbers as JSON, bytes in base64, msgpack values as JSON; load reads it back",
	example: "diskmap dump /var/lib/app/sessions > sessions.jsonl",
	run:     runDump,
}

func runDump(c *call, args []string) error {
	var keysOnly bool
	args, err := c.parse(args, func(fs *flag.FlagSet) {
		fs.BoolVar(&keysOnly, "keys", false, `print the keys only, {"key":..} a line`)
	}, 1)
	if err != nil {
		return err
	}
	t, err := c.open(args[0], openOptions{readOnly: true})
	if err != nil {
		return err
	}
	if err := t.need(true, !keysOnly); err != nil {
		return t.close(err)
	}
	lw := &lineWriter{w: bufio.NewWriterSize(c.stdout, 1<<16), keys: t.keys, values: t.values}
	p := newProgress(c.stderr, c.progress, int64(t.Len()), "dumping", false)
	if keysOnly {
		err = t.dumpKeys(lw, p)
	} else {
		err = t.dump(lw, p)
	}
	p.done()
	if err == nil {
		err = lw.w.Flush()
	}
	return t.close(err)
}

// dump writes the line of every entry.
func (t *target) dump(lw *lineWriter, p *progress) error {
	for k, v := range t.All() {
		e := entry{key: k, value: v}
		var err error
		if e.expires, err = t.expiry(k); err == nil {
			err = lw.write(e)
		}
		if err != nil {
			return err
		}
		p.add(1)
	}
	return t.Err()
}

// dumpKeys writes the line of every key.
func (t *target) dumpKeys(lw *lineWriter, p *progress) error {
	for k := range t.Keys() {
		if err := lw.writeKey(k); err != nil {
			return err
		}
		p.add(1)
	}
	return t.Err()
}
