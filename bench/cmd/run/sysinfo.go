package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	benchreport "github.com/diskmap-go/diskmap/bench/internal/report"
	"github.com/diskmap-go/diskmap/bench/internal/stores"
	"github.com/diskmap-go/diskmap/bench/internal/workload"
)

// machine describes where the benchmark ran.
type machine struct {
	cpu, kernel string
	cores       int
	procs       int
	memory      int64 // bytes
	goVersion   string
	goos        string
}

// loadAverage returns the one-minute load average of the machine from
// /proc/loadavg, or "" where there is none: how busy others kept it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}

func thisMachine() machine {
	m := machine{cpu: runtime.GOARCH, cores: runtime.NumCPU(), procs: runtime.GOMAXPROCS(0),
		goVersion: runtime.Version(), goos: runtime.GOOS + "/" + runtime.GOARCH}
	if v := benchreport.ProcField("/proc/cpuinfo", "model name"); v != "" {
		m.cpu = v
	}
	if v := benchreport.ProcField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64); err == nil {
			m.memory = kb * 1024
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	return m
}

// moduleVersion is one module and the version this binary was built with.
type moduleVersion struct{ stores, path, version string }

// versions returns the version of every store's module, from the build
// information of this binary (the workers are this binary too).
func versions(names []string) []moduleVersion {
	deps := map[string]*debug.Module{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			deps[d.Path] = d
		}
	}
	byPath := map[string][]string{}
	var paths []string
	for _, name := range names {
		k, err := stores.Lookup(name)
		if err != nil || k.Module == "" {
			continue
		}
		if byPath[k.Module] == nil {
			paths = append(paths, k.Module)
		}
		byPath[k.Module] = append(byPath[k.Module], name)
	}
	var out []moduleVersion
	for _, p := range paths {
		v := "unknown"
		if d := deps[p]; d != nil {
			v = d.Version
			if d.Replace != nil {
				v = "this repository (" + d.Replace.Path + ")"
				if c := benchreport.Commit(); c != "" {
					v += ", commit " + c
				}
			}
		}
		out = append(out, moduleVersion{stores: strings.Join(byPath[p], ", "), path: p, version: v})
	}
	return out
}

// diskRoom reports whether the file system of dir has room for a run at n:
// twelve times the raw data (the largest store, its temporary files and
// its write-ahead log) and 1 GiB.
func diskRoom(dir string, n int) (need, free int64, ok bool) {
	need = 12*workload.RawBytes(n) + 1<<30
	free, known := freeBytes(dir)
	return need, free, !known || free >= need
}
