package unsafebytes_test

import (
	"fmt"
	"reflect"
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

// TestPointerMapped: Pointer is the address of the slice's first byte, and
// Mapped turns such an address back into n bytes there, clipped to n.
func TestPointerMapped(t *testing.T) {
	b := make([]byte, 16)
	for _, off := range []int{0, 7} {
		if got, want := fmt.Sprintf("%p", unsafebytes.Pointer(b[off:])), fmt.Sprintf("%p", &b[off]); got != want {
			t.Errorf("Pointer(b[%d:]) = %s, want %s", off, got, want)
		}
		m := unsafebytes.Mapped(unsafebytes.Pointer(b[off:]), 5)
		if len(m) != 5 || cap(m) != 5 || &m[0] != &b[off] {
			t.Errorf("Mapped(Pointer(b[%d:]), 5): len %d, cap %d, at %p; want 5, 5, %p", off, len(m), cap(m), &m[0], &b[off])
		}
	}
}

// pair is a type without pointers, 8-byte aligned where int64 is.
type pair struct {
	A int64
	B uint32
}

// TestOf: the bytes are the value's memory, as long as the value and clipped
// to that, and nothing is allocated.
func TestOf(t *testing.T) {
	v := pair{A: 1, B: 2}
	b := unsafebytes.Of(&v)
	if want := int(reflect.TypeFor[pair]().Size()); len(b) != want || cap(b) != want {
		t.Fatalf("Of(&pair) has length %d and capacity %d, want %d", len(b), cap(b), want)
	}
	b[0], b[8] = 7, 9 // little- or big-endian, a change of the lowest byte of A and of some byte of B
	if v.A == 1 || v.B == 2 {
		t.Errorf("writing the bytes did not change the value: %+v", v)
	}
	if n := testing.AllocsPerRun(100, func() { _ = unsafebytes.Of(&v) }); n != 0 {
		t.Errorf("Of allocates %v times, want 0", n)
	}
	var empty struct{}
	if len(unsafebytes.Of(&empty)) != 0 {
		t.Errorf("Of of a struct{} is not empty")
	}
}

// TestAs: a slice of the size and alignment of T reads as a *T in place; any
// other fails.
func TestAs(t *testing.T) {
	buf := make([]uint64, 4) // 8-byte aligned memory
	mem := unsafebytes.Of((*[4]uint64)(buf))
	size := int(reflect.TypeFor[pair]().Size()) // 16, or 12 where int64 is 4-byte aligned (386, arm)
	p, ok := unsafebytes.As[pair](mem[8 : 8+size])
	if !ok {
		t.Fatalf("As[pair] of %d aligned bytes failed", size)
	}
	p.B = 0xabcd
	if q, _ := unsafebytes.As[pair](mem[8 : 8+size]); q != p || q.B != 0xabcd {
		t.Errorf("As does not alias its input: %p, %p", p, q)
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"short", mem[8 : 8+size-1]},
		{"long", mem[8 : 8+size+1]},
		{"empty", mem[:0]},
		{"misaligned", mem[4 : 4+size]},
	} {
		if tc.name == "misaligned" && reflect.TypeFor[pair]().Align() == 4 {
			continue // 4 is aligned for pair there
		}
		if p, ok := unsafebytes.As[pair](tc.b); ok || p != nil {
			t.Errorf("As[pair] of %s bytes = %p, %v, want nil, false", tc.name, p, ok)
		}
	}
	if p, ok := unsafebytes.As[struct{}](nil); !ok || p == nil {
		t.Errorf("As[struct{}](nil) = %p, %v, want a pointer", p, ok)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = unsafebytes.As[pair](mem[8 : 8+size]) }); n != 0 {
		t.Errorf("As allocates %v times, want 0", n)
	}
}
