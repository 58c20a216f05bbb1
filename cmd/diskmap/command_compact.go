package main

import "fmt"

var compactCommand = &command{
	name: "compact",
	args: "DIR",
	summary: "rewrite a map's files with only its live records, dropping dead bytes, tombstones " +
		"and expired keys; print the sizes before and after",
	example: "diskmap compact /var/lib/app/sessions",
	run:     runCompact,
}

func runCompact(c *call, args []string) error {
	args, err := c.parse(args, nil, 1)
	if err != nil {
		return err
	}
	t, err := c.open(args[0], openOptions{})
	if err != nil {
		return err
	}
	before := t.report()
	err = t.Compact()
	c.meter.finish()
	if err != nil {
		return t.close(err)
	}
	after := t.report()
	if err := t.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s: %d keys; files %s before, %s after\n", t.dir, after.Len,
		size(before.files()), size(after.files()))
	return err
}

// files returns the bytes of the map's files: the table and both arenas.
func (r *statsReport) files() int64 { return r.TableBytes + r.Keys.Size + r.Values.Size }
