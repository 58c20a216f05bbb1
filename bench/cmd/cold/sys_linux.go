package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// readAhead returns the read-ahead of the block device that holds dir, as
// its queue/read_ahead_kb says, or "unknown".
func readAhead(dir string) string {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return "unknown"
	}
	dev := fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev))
	// A partition has no queue of its own: its disk, one level up, has.
	for _, p := range []string{filepath.Join(dev, "queue", "read_ahead_kb"), filepath.Join(dev, "..", "queue", "read_ahead_kb")} {
		if b, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(string(b)) + " KiB"
		}
	}
	return "unknown"
}

// cpuModel is the model name of the first CPU in /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// kernel is the system and its release.
func kernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "Linux"
	}
	return "Linux " + unix.ByteSliceToString(u.Release[:])
}
