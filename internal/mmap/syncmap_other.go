//go:build !linux

package mmap

// syncCoversMappings: elsewhere pages dirtied through a mapping are msynced
// before the file is synced.
const syncCoversMappings = false
