package codec

import (
	"bytes"
	"errors"
	"slices"
)

// msgpack writes the entries of a Go map in the map's iteration order, which
// is random. Msgpack makes its encoding deterministic by rewriting each map
// with its entries in increasing order of their encoded key, and of their
// encoded value for equal keys. Inner maps are put in order first, so an
// entry is compared by its final bytes.

// orderer puts the entries of msgpack maps in order. Its buffers are kept
// from one use to the next.
type orderer struct {
	src     []byte  // the encoding as msgpack wrote it
	tmp     []byte  // the entries of one map while they are reordered
	entries []entry // the entries of the maps being read, innermost last
}

// entry is one key and value of a map, as offsets into the output.
type entry struct{ key, val, end int }

// sortMaps checks the msgpack value in out[start:] and puts its maps in
// order, and returns out.
func (o *orderer) sortMaps(out []byte, start int) ([]byte, error) {
	maps, err := checkValue(out[start:])
	if !maps || err != nil {
		return out, err
	}
	o.src = append(o.src[:0], out[start:]...)
	out, _, err = o.copyValue(out[:start], o.src)
	return out, err
}

// copyValue appends the value at the front of src to dst with its maps in
// order, and returns the rest of src.
func (o *orderer) copyValue(dst, src []byte) (out, rest []byte, err error) {
	h, ok := readHead(src)
	if !ok {
		return dst, nil, errors.New("malformed encoding") // checkValue passed: a bug
	}
	if h.items == 0 {
		n := h.size + h.data
		return append(dst, src[:n]...), src[n:], nil
	}
	dst = append(dst, src[:h.size]...)
	src = src[h.size:]
	if h.isMap {
		return o.copyMap(dst, src, h.items/2)
	}
	for range h.items {
		if dst, src, err = o.copyValue(dst, src); err != nil {
			return dst, nil, err
		}
	}
	return dst, src, nil
}

// copyMap appends the n entries of a map at the front of src to dst, in order,
// and returns the rest of src.
func (o *orderer) copyMap(dst, src []byte, n int) (out, rest []byte, err error) {
	first, start := len(o.entries), len(dst)
	for range n {
		e := entry{key: len(dst)}
		if dst, src, err = o.copyValue(dst, src); err != nil {
			return dst, nil, err
		}
		e.val = len(dst)
		if dst, src, err = o.copyValue(dst, src); err != nil {
			return dst, nil, err
		}
		e.end = len(dst)
		o.entries = append(o.entries, e)
	}
	o.reorder(dst, start, o.entries[first:])
	o.entries = o.entries[:first]
	return dst, src, nil
}

// reorder sorts the entries es of one map, which fill dst[start:], by key and
// then by value.
func (o *orderer) reorder(dst []byte, start int, es []entry) {
	cmp := func(a, b entry) int {
		if c := bytes.Compare(dst[a.key:a.val], dst[b.key:b.val]); c != 0 {
			return c
		}
		return bytes.Compare(dst[a.val:a.end], dst[b.val:b.end])
	}
	if slices.IsSortedFunc(es, cmp) {
		return
	}
	slices.SortFunc(es, cmp)
	o.tmp = append(o.tmp[:0], dst[start:]...)
	w := start
	for _, e := range es {
		w += copy(dst[w:], o.tmp[e.key-start:e.end-start])
	}
}
