//go:build !linux

package workload

import "errors"

var errColdLinux = errors.New("workload: cold reads are measured on Linux only (/proc/self/io, drop_caches)")

func readIO() (IO, error) { return IO{}, errColdLinux }

func adviseRandom(string) (int, error) { return 0, errColdLinux }

// DropCaches drops the page cache; on Linux only.
func DropCaches() error { return errColdLinux }
