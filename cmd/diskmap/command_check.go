package main

import (
	"errors"
	"fmt"

	"github.com/diskmap-go/diskmap"
)

var checkCommand = &command{
	name: "check",
	args: "DIR",
	summary: "check every record and slot of a map, read-only; print each problem " +
		"with its file and offset and exit 1 if there are any",
	example: "diskmap check /var/lib/app/sessions",
	run:     runCheck,
}

func runCheck(c *call, args []string) error {
	args, err := c.parse(args, nil, 1)
	if err != nil {
		return err
	}
	dir := args[0]
	t, err := c.open(dir, openOptions{readOnly: true})
	if errors.Is(err, diskmap.ErrCorrupt) {
		return c.problems(dir, err)
	}
	if err != nil {
		return err
	}
	n := t.Len()
	err = t.Check()
	c.meter.finish()
	if err := t.Close(); err != nil {
		return err
	}
	if err != nil {
		return c.problems(dir, err)
	}
	_, err = fmt.Fprintf(c.stdout, "%s: ok, %d keys\n", dir, n)
	return err
}

// problems prints each problem that err reports, on a line of its own on
// stdout, and returns the error that ends the tool with exitFound.
func (c *call) problems(dir string, err error) error {
	if !errors.Is(err, diskmap.ErrCorrupt) {
		return err // not a finding, but a failure to look
	}
	list := leaves(err)
	for _, e := range list {
		if _, err := fmt.Fprintln(c.stdout, oneLine(e)); err != nil {
			return err
		}
	}
	return &exitError{exitFound, fmt.Errorf("%s: %d problem%s", dir, len(list), plural(len(list)))}
}

// leaves returns the errors that err joins (errors.Join), and those they
// join, or err itself if it joins none.
func leaves(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var list []error
	for _, e := range j.Unwrap() {
		list = append(list, leaves(e)...)
	}
	return list
}
