// Package format writes the on-disk format that package layout specifies,
// and holds the field accessors that the probe loop and the writers use:
// slot and record encoders, the header copy swap, the end scan of an arena
// that was not closed cleanly, the fast seeded hasher, and the error
// wrapper that names a file. Package layout keeps the spec and what a
// compatible reader needs; everything here follows it and adds no format
// rule of its own.
package format
