package main

import "fmt"

var deleteCommand = &command{
	name:    "delete",
	args:    "DIR KEY",
	summary: "delete KEY; exit 1 if it is not there",
	example: "diskmap delete /var/lib/app/sessions alice",
	run:     runDelete,
}

func runDelete(c *call, args []string) error {
	args, err := c.parse(args, nil, 2)
	if err != nil {
		return err
	}
	t, err := c.open(args[0], openOptions{})
	if err != nil {
		return err
	}
	if err := t.need(true, false); err != nil {
		return t.close(err)
	}
	return t.close(t.delete(args[1]))
}

// delete deletes the key arg stands for.
func (t *target) delete(arg string) error {
	k, err := t.parseKey(arg)
	if err != nil {
		return err
	}
	found, err := t.Delete(k)
	if err == nil && !found {
		err = &exitError{exitFound, fmt.Errorf("%s: key %q is not in the map", t.dir, arg)}
	}
	return err
}
