package workload

import "testing"

// The histogram's buckets hold what they say, and a quantile is the top of
// the bucket it falls in.
func TestLatencies(t *testing.T) {
	for _, ns := range []int64{0, 1, 31, 32, 63, 64, 65, 1000, 123456, 1 << 40} {
		b := bucketOf(ns)
		if ns > bucketTop(b) || (b > 0 && ns <= bucketTop(b-1)) {
			t.Errorf("%d ns in bucket %d of [%d, %d]", ns, b, bucketTop(b-1)+1, bucketTop(b))
		}
	}
	var l latencies
	for ns := int64(1); ns <= 1000; ns++ {
		l.add(ns * 1000)
	}
	if q := l.quantile(0.5); q < 500_000 || q > 520_000 {
		t.Errorf("median %d, want about 500,000", q)
	}
	if q, m := l.quantile(0.999), l.max; q < 999_000 || q > m || m != 1_000_000 {
		t.Errorf("p99.9 %d, longest %d", q, m)
	}
}
