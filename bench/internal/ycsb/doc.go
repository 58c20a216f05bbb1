// Package ycsb runs the core workloads of the Yahoo! Cloud Serving Benchmark
// (YCSB) against one store of package stores: a load phase that inserts the
// records, then workloads A (50% read, 50% update), B (95/5), C (100% read),
// F (50% read, 50% read-modify-write) and D (95% read of the latest records,
// 5% insert), in that order, as YCSB's documentation runs them on one load.
// Workload E (short range scans) does not apply: most of the stores compared
// are hash maps, with no order to scan.
//
// What is YCSB's and what is not:
//
//   - The request distributions are YCSB's, through the generators of
//     github.com/pingcap/go-ycsb (pkg/generator, a port of YCSB's
//     ZipfianGenerator.java, ScrambledZipfianGenerator.java,
//     SkewedLatestGenerator.java): a zipfian with constant 0.99, scrambled
//     by an FNV hash for A, B, C and F, skewed towards the latest insert for D.
//   - Keys are YCSB's hashed ones, "user" and the decimal of the FNV hash of
//     the record number (go-ycsb's pkg/workload/core.go buildKeyName).
//   - A record is YCSB's ten fields of 100 bytes, stored as one value of
//     1,000 bytes: every store here is a key-value store. An update and a
//     read-modify-write rewrite the whole value.
//
// Every value is derived from its record number and a version, so a read
// can be checked: each read's record number and version are compared with
// a model of the latest version of each record, and a sample of reads is
// compared byte for byte with the value that version must have.
package ycsb
