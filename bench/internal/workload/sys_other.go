//go:build !unix

package workload

import (
	"io/fs"
	"path/filepath"
)

// diskUsage sums the sizes of the regular files under dir; without block
// counts, the allocated size is taken to be the same.
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
		if fi.Mode().IsRegular() {
			du.Apparent += fi.Size()
		}
		return nil
	})
	du.Blocks = du.Apparent
	return du, err
}

// maxRSS is not measured here.
func maxRSS() int64 { return 0 }

// cpuTime is not measured here.
func cpuTime() int64 { return 0 }
