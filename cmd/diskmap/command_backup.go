package main

import (
	"fmt"

	"github.com/diskmap-go/diskmap"
)

var backupCommand = &command{
	name: "backup",
	args: "DIR TARGET",
	summary: "copy a map, closed cleanly, into TARGET, a new directory or an empty one: a map that " +
		"opens and checks as the original (its files cloned where the file system can)",
	example: "diskmap backup /var/lib/app/sessions /backup/sessions-monday",
	run:     runBackup,
}

func runBackup(c *call, args []string) error {
	args, err := c.parse(args, nil, 2)
	if err != nil {
		return err
	}
	t, err := c.open(args[0], openOptions{readOnly: true})
	if err != nil {
		return err
	}
	r := t.report()
	// The library reports nothing of a backup: the bar shows its size,
	// and that it is done.
	c.meter.own(diskmap.OpBackup, 0, r.copied())
	err = t.Backup(args[1])
	if err == nil {
		c.meter.own(diskmap.OpBackup, r.copied(), r.copied())
	}
	c.meter.finish()
	if err := t.close(err); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s: backed up to %s: %d keys, %s\n", t.dir, args[1], r.Len, size(r.copied()))
	return err
}

// copied returns the bytes a backup copies: the table and the records of
// both arenas.
func (r *statsReport) copied() int64 {
	return r.TableBytes + r.Keys.Live + r.Keys.Dead + r.Values.Live + r.Values.Dead
}
