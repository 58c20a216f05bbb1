package mmap

// RetiredRanges returns how many retired ranges the process keeps.
func RetiredRanges() int {
	retired.mu.Lock()
	defer retired.mu.Unlock()
	return len(retired.ranges)
}
