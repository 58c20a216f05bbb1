package report

import "testing"

func TestParseBytesReadsUnits(t *testing.T) {
	for in, want := range map[string]int64{"8": 8, "100B": 100, "1KiB": 1024, "16KiB": 16 << 10,
		"256K": 256 << 10, "1GiB": 1 << 30, "64MB": 64 << 20} {
		got, err := ParseBytes(in)
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1.5KiB", "KiB"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) succeeded", bad)
		}
	}
}

func TestBytesWritesTheUnitThatFits(t *testing.T) {
	for in, want := range map[int64]string{8: "8 B", 100: "100 B", 1024: "1 KiB", 256 << 10: "256 KiB",
		1 << 30: "1 GiB", 1536: "1.5 KiB"} {
		if got := Bytes(in); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestCountAndRate(t *testing.T) {
	if got := Count(1234567); got != "1,234,567" {
		t.Errorf("Count = %q", got)
	}
	if got := Rate(523.4); got != "523" {
		t.Errorf("Rate(523.4) = %q", got)
	}
	if got := Rate(12345.6); got != "12,346" {
		t.Errorf("Rate(12345.6) = %q", got)
	}
}
