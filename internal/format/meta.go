package format

import "github.com/diskmap-go/diskmap/layout"

// WriteMeta encodes h into the copy of meta that layout.ReadMeta would not
// pick, after raising h.Seq above the sequence number of the copy in use
// (cur). The caller makes the write durable.
func WriteMeta(meta []byte, h *layout.Header, cur int) (copyWritten int) {
	h.Seq++
	next := 1 - cur
	h.Encode(meta[next*layout.HeaderCopyOffset:])
	return next
}
