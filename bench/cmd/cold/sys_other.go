//go:build !linux

package main

import "runtime"

// readAhead is known on Linux only.
func readAhead(string) string { return "unknown" }

func cpuModel() string { return "unknown CPU" }

func kernel() string { return runtime.GOOS }
