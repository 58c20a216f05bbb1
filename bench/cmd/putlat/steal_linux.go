package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// userHZ is the unit of /proc/stat's times: USER_HZ, 100 on every Linux
// architecture Go runs on.
const userHZ = 100

// stolen returns the time the hypervisor has run something else while
// this machine's CPUs had work to do, summed over its CPUs: the steal
// column of /proc/stat's cpu line. Where no hypervisor reports it, it
// stays 0. ok is false if it cannot be read.
func stolen() (d time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	d, err = parseSteal(b)
	return d, err == nil
}

// parseSteal reads the steal column, the eighth number, of the cpu line
// of /proc/stat's contents b.
func parseSteal(b []byte) (time.Duration, error) {
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		f := bytes.Fields(s.Bytes())
		if len(f) == 0 || string(f[0]) != "cpu" {
			continue
		}
		if len(f) < 9 {
			return 0, fmt.Errorf("/proc/stat: cpu line of %d fields, no steal column", len(f))
		}
		ticks, err := strconv.ParseUint(string(f[8]), 10, 63)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: steal column: %w", err)
		}
		return time.Duration(ticks) * time.Second / userHZ, nil
	}
	return 0, fmt.Errorf("/proc/stat: no cpu line")
}
