//go:build unix

package workload

import (
	"io/fs"
	"path/filepath"
	"runtime"
	"syscall"
)

// diskUsage sums the allocated blocks (as du counts them) and the sizes of
// the regular files (as du --apparent-size does) under dir.
func diskUsage(dir string) (Disk, error) {
	var du Disk
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return skipGone(err)
		}
		fi, err := e.Info()
		if err != nil {
			return skipGone(err)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			du.Blocks += int64(st.Blocks) * 512
		}
		if fi.Mode().IsRegular() {
			du.Apparent += fi.Size()
		}
		return nil
	})
	return du, err
}

// maxRSS is the peak resident set of this process so far, in bytes.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes there, KiB elsewhere
	}
	return int64(ru.Maxrss) * 1024
}

// cpuTime is the CPU time this process has used so far, user and system,
// in nanoseconds: on a busy machine, a steadier measure than the clock.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
