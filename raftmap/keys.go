package raftmap

import (
	"encoding/binary"
	"fmt"
)

// The node's map is a concurrent.Map of bytes to bytes. Each stored key
// begins with the two bytes of its group, big-endian, then a tag:
//
//	+---------+-----+----------------------+
//	| group 2 | tag | encoded key (K)      |   tag 1: a key of the map
//	+---------+-----+----------------------+
//	| group 2 | 0   |                          tag 0: the group's applied index
//	+---------+-----+
//
// A key's group is FNV-1a of its encoded bytes modulo groups. The map's
// Options.ShardKey is the group's two bytes, so a group lies in one shard,
// and a command's writes to a group and the group's applied index (an
// 8-byte little-endian raft index, the value under the tag-0 key) are one
// batch of that shard: atomic, after a crash too.
const (
	groups     = 1024 // part of the directory's format (recorded in meta)
	groupBytes = 2
	tagApplied = 0
	tagKey     = 1
	prefixLen  = groupBytes + 1
)

// groupOf returns the group of the encoded key kb.
func groupOf(kb []byte) int {
	h := uint32(2166136261)
	for _, c := range kb {
		h ^= uint32(c)
		h *= 16777619
	}
	return int(h % groups)
}

// storedKey returns the key under which the encoded key kb is stored,
// appended to dst.
func storedKey(dst, kb []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(groupOf(kb)))
	dst = append(dst, tagKey)
	return append(dst, kb...)
}

// appliedKey returns the key of group g's applied index.
func appliedKey(g int) []byte {
	return []byte{byte(g >> 8), byte(g), tagApplied}
}

// shardKey is the map's Options.ShardKey: a stored key's group.
func shardKey(k []byte) []byte {
	if len(k) < groupBytes {
		return k
	}
	return k[:groupBytes]
}

// decodeApplied returns the index held by an applied-index value.
func decodeApplied(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("raftmap: an applied index of %d bytes, want 8", len(v))
	}
	return binary.LittleEndian.Uint64(v), nil
}
