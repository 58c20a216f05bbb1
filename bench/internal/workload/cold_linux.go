package workload

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// readIO reads what this process has read from the disk so far, and what
// it has written or dirtied for it.
func readIO() (IO, error) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return IO{}, fmt.Errorf("workload: cold: %w", err)
	}
	var io IO
	found := false
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("read_bytes:")); ok {
			if io.ReadBytes, err = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err != nil {
				return IO{}, fmt.Errorf("workload: cold: /proc/self/io: %w", err)
			}
			found = true
		}
		if v, ok := bytes.CutPrefix(line, []byte("write_bytes:")); ok {
			if io.WriteBytes, err = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err != nil {
				return IO{}, fmt.Errorf("workload: cold: /proc/self/io: %w", err)
			}
		}
	}
	if !found {
		return IO{}, fmt.Errorf("workload: cold: no read_bytes in /proc/self/io")
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return IO{}, fmt.Errorf("workload: cold: getrusage: %w", err)
	}
	io.MajFlt = int64(ru.Majflt)
	return io, nil
}

// adviseRandom advises MADV_RANDOM on every mapping of this process of a
// file under dir, as /proc/self/maps lists them, and returns how many it
// advised. The store keeps its mappings to itself; this reaches them by
// their addresses, for an experiment only: the mappings stay mapped while
// the store is open, and advice changes no byte.
func adviseRandom(dir string) (int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	abs, err = filepath.EvalSymlinks(abs)
	if err != nil {
		return 0, err
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	type span struct{ start, end uintptr }
	var spans []span
	for line := range strings.Lines(string(maps)) {
		// start-end perms offset dev inode path
		fields := strings.Fields(line)
		if len(fields) < 6 || !strings.HasPrefix(fields[5], abs+string(filepath.Separator)) {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil {
			return 0, fmt.Errorf("workload: cold: /proc/self/maps: bad line %q", line)
		}
		spans = append(spans, span{uintptr(start), uintptr(end)})
	}
	for _, s := range spans {
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, s.start, s.end-s.start, unix.MADV_RANDOM); e != 0 {
			return 0, fmt.Errorf("workload: cold: madvise %#x-%#x: %w", s.start, s.end, e)
		}
	}
	return len(spans), nil
}

// DropCaches writes back every dirty page (sync) and then drops the
// clean ones, the page cache and the dentries and inodes, for every
// process of the machine (3 to /proc/sys/vm/drop_caches): it needs root.
func DropCaches() error {
	unix.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err != nil {
		return fmt.Errorf("dropping the page cache: %w", err)
	}
	return nil
}
