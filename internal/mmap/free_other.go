//go:build !linux && !darwin && !freebsd && !windows

package mmap

import "errors"

func freeSpace(string) (int64, error) { return 0, errors.ErrUnsupported }
