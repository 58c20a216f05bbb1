package unsafebytes_test

import (
	"fmt"
	"testing"

	"github.com/diskmap-go/diskmap/internal/unsafebytes"
)

// TestFromString: the bytes are the string's, their capacity is clipped to
// their length, and nothing is allocated.
func TestFromString(t *testing.T) {
	s := fmt.Sprint("hé", "llo") // not a constant: memory of its own
	b := unsafebytes.FromString(s)
	if string(b) != "héllo" || cap(b) != len(s) {
		t.Fatalf("FromString(%q) = %q with capacity %d, want the string's bytes and capacity %d", s, b, cap(b), len(s))
	}
	if b2 := append(b, '!'); string(b) != "héllo" || string(b2) != "héllo!" {
		t.Errorf("append to the result changed it: %q, %q", b, b2)
	}
	if len(unsafebytes.FromString("")) != 0 {
		t.Errorf("FromString of the empty string is not empty")
	}
	if n := testing.AllocsPerRun(100, func() { _ = unsafebytes.FromString(s) }); n != 0 {
		t.Errorf("FromString allocates %v times, want 0", n)
	}
}

// TestAddr: the address is that of the slice's first byte.
func TestAddr(t *testing.T) {
	b := make([]byte, 16)
	for _, off := range []int{0, 7} {
		if got, want := fmt.Sprintf("%#x", unsafebytes.Addr(b[off:])), fmt.Sprintf("%p", &b[off]); got != want {
			t.Errorf("Addr(b[%d:]) = %s, want %s", off, got, want)
		}
	}
}
