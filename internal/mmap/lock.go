package mmap

import "errors"

// ErrLocked is returned by Lock when another holder, in this process or
// another, has a conflicting lock on the file.
var ErrLocked = errors.New("file is locked")
