// Package report holds what the markdown reports of cmd/durable and
// cmd/sizes share: where they ran (machine, Go, store versions), the
// command that produced them, and how their numbers are written.
package report

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Machine describes this machine in one line, for the head of a report.
func Machine() string {
	cpu := ProcField("/proc/cpuinfo", "model name")
	if cpu == "" {
		cpu = runtime.GOARCH
	}
	s := fmt.Sprintf("%s, %d cores (GOMAXPROCS %d)", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if v := ProcField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64); err == nil {
			s += fmt.Sprintf(", %.1f GiB memory", float64(kb)/(1<<20))
		}
	}
	s += ", " + runtime.GOOS + "/" + runtime.GOARCH
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		s += ", kernel " + strings.TrimSpace(string(b))
	}
	return s + ", " + runtime.Version()
}

// ProcField returns the value of the first "name : value" line of a /proc
// file, or "".
func ProcField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }() // read only: closing loses nothing
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Version returns the version of module path this binary was built with:
// "this repository, commit ..." for a replaced module (the library),
// "unknown" without build information.
func Version(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path != path {
			continue
		}
		if d.Replace == nil {
			return d.Version
		}
		v := "this repository (" + d.Replace.Path + ")"
		if c := Commit(); c != "" {
			v += ", commit " + c
		}
		return v
	}
	return "unknown"
}

// Commit names the commit the library was built from, noting uncommitted
// changes outside bench/; "" without git.
func Commit() string {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return ""
	}
	dir := strings.TrimSpace(string(top))
	c, err := exec.Command("git", "-C", dir, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(c))
	if exec.Command("git", "-C", dir, "diff", "--quiet", "HEAD", "--", ".", ":(exclude)bench").Run() != nil {
		s += " with uncommitted changes"
	}
	return s
}

// Command is the command that was run, as one would type it in bench/:
// "go run ./cmd/NAME ..." when run by go run.
func Command(name string) string {
	exe, _ := os.Executable()
	prog := "go run ./cmd/" + name
	if !strings.Contains(exe, "go-build") {
		prog = os.Args[0]
	}
	args := []string{prog}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t'\"$") {
			a = strconv.Quote(a)
		}
		args = append(args, a)
	}
	return strings.Join(args, " ")
}

// Dur writes a time in nanoseconds with a unit that fits.
func Dur(ns float64) string {
	switch {
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	}
	return fmt.Sprintf("%.2f s", ns/1e9)
}

// Ratio writes a ratio as 1.23x, or 12.3x from 10 on.
func Ratio(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.1fx", v)
	}
	return fmt.Sprintf("%.2fx", v)
}

// Count writes n with thousands separated by commas.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Rate writes a rate with three significant digits at most, 1,234 from
// a thousand on.
func Rate(v float64) string {
	switch {
	case v >= 1000:
		return Count(int(v + 0.5))
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// Bytes writes a size in bytes as B, KiB, MiB or GiB, whichever is whole
// or fits best.
func Bytes(b int64) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", b>>30)
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// ParseBytes reads a size such as 100, 1KiB, 16KiB, 256KiB, 1GiB (also
// KB/MB/GB, meaning the same powers of two, and K/M/G).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size in bytes (such as 100, 16KiB, 1GiB)", s)
	}
	return v * mult, nil
}
