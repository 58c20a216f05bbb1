module github.com/diskmap-go/diskmap

go 1.24.0

require (
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/edsrzf/mmap-go v1.2.0
	github.com/klauspost/compress v1.19.2
	github.com/vmihailenco/msgpack/v5 v5.4.1
	golang.org/x/sys v0.41.0
)

require (
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
)
