package codec

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
)

// fixedLayout is what Fixed learns of a type by reflection, once, when the
// codec is made: where its padding, bools and numbers lie, and its name.
type fixedLayout struct {
	name    string
	size    int
	padding []span  // bytes that hold nothing: zero in every encoding
	bools   []span  // bytes that hold a bool: 0 or 1
	numbers []words // numbers of 2 bytes or more, whose bytes a big-endian platform swaps
}

// span is n bytes from off.
type span struct{ off, n int }

// words is count numbers of width bytes each, one after the other from off.
type words struct{ off, width, count int }

// maxFixedSize is the largest type Fixed takes, so that its size fits in
// the 9 decimal digits its name leaves for it.
const maxFixedSize = 999_999_999

// layoutOf works out the layout of t, or says which part of t Fixed cannot
// encode.
func layoutOf(t reflect.Type) (*fixedLayout, error) {
	if t.Size() > maxFixedSize {
		return nil, &codecError{codec: "fixed", msg: fmt.Sprintf("%s is %d bytes, more than the %d a name can hold", t, t.Size(), maxFixedSize)}
	}
	w := &layoutWalker{root: t}
	if err := w.walk(t, 0, ""); err != nil {
		return nil, err
	}
	l := &w.l
	l.size = int(t.Size())
	desc := strconv.Itoa(l.size) + ";" + w.desc.String()
	h := fnv.New64a()
	_, _ = h.Write([]byte(desc)) // a hash.Hash never fails to write
	l.name = fmt.Sprintf("fixed:%d:%016x", l.size, h.Sum64())
	return l, nil
}

// layoutWalker walks a type, collecting its layout and a description of
// it: for a struct "{" size ";" offset ":" field "," ... "}", for an array "[" length
// "]" element, and for a number or bool its kind: "b", "i1" ... "i8",
// "u1" ... "u8", "f4", "f8", "c8", "c16". The name is a hash of the
// description.
type layoutWalker struct {
	root reflect.Type
	l    fixedLayout
	desc strings.Builder
}

// scalarKinds gives the description of each kind of number and bool.
var scalarKinds = map[reflect.Kind]string{
	reflect.Bool: "b",
	reflect.Int8: "i1", reflect.Int16: "i2", reflect.Int32: "i4", reflect.Int64: "i8",
	reflect.Uint8: "u1", reflect.Uint16: "u2", reflect.Uint32: "u4", reflect.Uint64: "u8",
	reflect.Float32: "f4", reflect.Float64: "f8",
	reflect.Complex64: "c8", reflect.Complex128: "c16",
}

// walk adds t, found at offset off of the root type, to the layout. path
// names it from the root, for errors: "" for the root itself.
func (w *layoutWalker) walk(t reflect.Type, off int, path string) error {
	k := t.Kind()
	if d, ok := scalarKinds[k]; ok {
		w.desc.WriteString(d)
		w.addScalar(k, off, int(t.Size()))
		return nil
	}
	switch k {
	case reflect.Array:
		return w.walkArray(t, off, path)
	case reflect.Struct:
		return w.walkStruct(t, off, path)
	case reflect.Int, reflect.Uint, reflect.Uintptr:
		return w.fail(path, t, "has a size that differs by platform; use a sized type such as int64 or uint32")
	}
	return w.fail(path, t, "holds a pointer")
}

// addScalar adds a number or bool of kind k and size bytes at off.
func (w *layoutWalker) addScalar(k reflect.Kind, off, size int) {
	switch {
	case k == reflect.Bool:
		w.l.bools = addSpan(w.l.bools, span{off, 1})
	case k == reflect.Complex64 || k == reflect.Complex128:
		w.l.numbers = addWords(w.l.numbers, words{off, size / 2, 2}) // real, then imaginary part
	case size > 1:
		w.l.numbers = addWords(w.l.numbers, words{off, size, 1})
	}
}

// walkStruct adds the fields of struct t at off, and the padding between
// and after them.
func (w *layoutWalker) walkStruct(t reflect.Type, off int, path string) error {
	fmt.Fprintf(&w.desc, "{%d;", t.Size())
	end := 0 // the end of the fields so far, relative to off
	for i := range t.NumField() {
		f := t.Field(i)
		if i > 0 {
			w.desc.WriteString(",")
		}
		fmt.Fprintf(&w.desc, "%d:", f.Offset)
		w.addPadding(off+end, int(f.Offset)-end)
		if err := w.walk(f.Type, off+int(f.Offset), join(path, f.Name)); err != nil {
			return err
		}
		end = int(f.Offset + f.Type.Size())
	}
	w.addPadding(off+end, int(t.Size())-end)
	w.desc.WriteString("}")
	return nil
}

// walkArray adds the elements of array t at off: the element's layout once
// in the description, and its padding, bools and numbers once per element.
func (w *layoutWalker) walkArray(t reflect.Type, off int, path string) error {
	fmt.Fprintf(&w.desc, "[%d]", t.Len())
	elem := &layoutWalker{root: w.root}
	if err := elem.walk(t.Elem(), 0, path+"[0]"); err != nil {
		return err
	}
	w.desc.WriteString(elem.desc.String())
	if len(elem.l.padding)+len(elem.l.bools)+len(elem.l.numbers) == 0 {
		return nil // bytes only, such as [16]byte: nothing to repeat
	}
	size := int(t.Elem().Size())
	for i := range t.Len() {
		base := off + i*size
		for _, s := range elem.l.padding {
			w.l.padding = addSpan(w.l.padding, span{base + s.off, s.n})
		}
		for _, s := range elem.l.bools {
			w.l.bools = addSpan(w.l.bools, span{base + s.off, s.n})
		}
		for _, n := range elem.l.numbers {
			w.l.numbers = addWords(w.l.numbers, words{base + n.off, n.width, n.count})
		}
	}
	return nil
}

// addPadding adds n bytes of padding at off, if n > 0.
func (w *layoutWalker) addPadding(off, n int) {
	if n > 0 {
		w.l.padding = addSpan(w.l.padding, span{off, n})
	}
}

// fail returns the error for t, at path in the root type, which Fixed
// cannot encode for the reason given.
func (w *layoutWalker) fail(path string, t reflect.Type, why string) error {
	msg := fmt.Sprintf("%s %s", t, why)
	switch {
	case strings.HasPrefix(path, "["):
		msg = w.root.String() + path + ": " + msg
	case path != "":
		msg = w.root.String() + "." + path + ": " + msg
	}
	return &codecError{codec: "fixed", msg: msg}
}

// join appends a field name to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// addSpan appends s to spans, merged into the last span if it follows it.
func addSpan(spans []span, s span) []span {
	if n := len(spans); n > 0 && spans[n-1].off+spans[n-1].n == s.off {
		spans[n-1].n += s.n
		return spans
	}
	return append(spans, s)
}

// addWords appends w to ws, merged into the last entry if it continues it
// with numbers of the same width.
func addWords(ws []words, w words) []words {
	if n := len(ws); n > 0 {
		last := &ws[n-1]
		if last.width == w.width && last.off+last.width*last.count == w.off {
			last.count += w.count
			return ws
		}
	}
	return append(ws, w)
}

// check checks that b is an encoding of the type: of its size, with bools
// of 0 or 1 and padding of zeros.
func (l *fixedLayout) check(b []byte) error {
	if len(b) != l.size {
		return invalidf(l.name, "want %d bytes, got %d", l.size, len(b))
	}
	for _, s := range l.bools {
		for i, c := range b[s.off : s.off+s.n] {
			if c > 1 {
				return invalidf(l.name, "byte %d is %#x, want a bool: 0 or 1", s.off+i, c)
			}
		}
	}
	for _, s := range l.padding {
		for i, c := range b[s.off : s.off+s.n] {
			if c != 0 {
				return invalidf(l.name, "byte %d is %#x, want 0: it is padding", s.off+i, c)
			}
		}
	}
	return nil
}

// fromMemory turns b, a copy of a value's memory, into its encoding: it
// zeroes the padding and, on a big-endian platform, swaps the numbers.
func (l *fixedLayout) fromMemory(b []byte) {
	for _, s := range l.padding {
		clear(b[s.off : s.off+s.n])
	}
	if !littleEndian {
		l.swap(b)
	}
}

// swap reverses the bytes of every number in b, turning a big-endian
// value's memory into its encoding and back.
func (l *fixedLayout) swap(b []byte) {
	le, be := binary.LittleEndian, binary.BigEndian
	for _, w := range l.numbers {
		for i := range w.count {
			x := b[w.off+i*w.width:][:w.width]
			switch w.width {
			case 2:
				le.PutUint16(x, be.Uint16(x))
			case 4:
				le.PutUint32(x, be.Uint32(x))
			case 8:
				le.PutUint64(x, be.Uint64(x))
			}
		}
	}
}
