// Package stream reads and writes the export stream that package layout
// specifies (Export stream): a header naming the codecs, the records of the
// keys, each with its own checksum, and an end record counting them. It
// also carries what package diskmap gives package concurrent of a map to
// export and import its shards (Shard).
package stream
