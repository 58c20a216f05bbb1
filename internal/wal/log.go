package wal

import (
	"errors"
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

// ErrClosed is returned by WaitSynced for frames a closed log never synced.
var ErrClosed = errors.New("diskmap: log is closed")

// Log is an open write-ahead log file, written through a shared mapping so
// that a frame costs a copy, not a system call, and survives a crash of the
// process as soon as it is written.
//
// Append, Reset and Close are called by one goroutine at a time: the map's
// writer. WaitSynced may be called from any goroutine at any time; that is
// what lets writers share fsyncs (group commit).
type Log struct {
	f    *os.File
	path string

	mapMu sync.RWMutex // held for writing while the mapping moves; syncs hold it for reading
	reg   *mmap.Region
	data  []byte // the mapping, up to size
	size  int64  // file size
	end   int64  // bytes of frames since the last Reset
	next  uint64 // sequence number of the next frame

	appended atomic.Uint64 // sequence number of the last frame written
	written  atomic.Int64  // bytes of the file a sync must cover

	mu      sync.Mutex // guards the fields below
	cond    sync.Cond  // signalled when a sync ends
	synced  uint64     // every frame up to here is on stable storage
	syncing bool       // a sync is in flight
	closed  bool
}

// Open opens or creates the log file at path, for frames numbered from
// last+1 on. Frames already in the file are overwritten: replay them first.
func Open(path string, last uint64) (*Log, error) {
	f, err := mmap.Files.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("diskmap: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("diskmap: %w", err)
	}
	l := &Log{f: f, path: path, size: fi.Size(), next: last + 1, synced: last}
	l.cond.L = &l.mu
	l.appended.Store(last)
	if err := l.remap(l.size); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// Size returns the bytes of frames written since the last Reset.
func (l *Log) Size() int64 { return l.end }

// Last returns the sequence number of the last frame written.
func (l *Log) Last() uint64 { return l.appended.Load() }

// Reserve makes room for a frame with an n-byte payload, so that the next
// Append of that size cannot fail. It is how a map checks that a mutation
// can be logged before it applies it.
func (l *Log) Reserve(n int) error {
	need := l.end + FrameSize(n)
	if need <= l.size {
		return nil
	}
	size := max(need, 2*l.size, 1<<20)
	if err := l.grow(size); err != nil {
		return fmt.Errorf("diskmap: growing %s: %w", l.path, err)
	}
	return nil
}

// Append writes a frame holding payload and returns its sequence number.
// The frame survives a crash of the process at once, a power loss only once
// WaitSynced has returned for it.
func (l *Log) Append(payload []byte) (uint64, error) {
	if err := l.Reserve(len(payload)); err != nil {
		return 0, err
	}
	seq := l.next
	n := FrameSize(len(payload))
	PutFrame(l.data[l.end:l.end+n:l.end+n], seq, payload)
	l.end += n
	l.next++
	l.written.Store(max(l.written.Load(), l.end))
	l.appended.Store(seq)
	return seq, nil
}

// WaitSynced returns once every frame up to seq is on stable storage. If a
// sync is in flight it waits for it, and starts the next one if that was not
// enough: callers arriving during one fsync share the next.
func (l *Log) WaitSynced(seq uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.synced < seq {
		if l.closed {
			return ErrClosed
		}
		if l.syncing {
			l.cond.Wait()
			continue
		}
		l.syncing = true
		l.mu.Unlock()
		// Let writers woken by the last sync log their frames first, so
		// that this fsync covers them too.
		runtime.Gosched()
		target := l.appended.Load()
		err := l.syncNow()
		l.mu.Lock()
		l.syncing = false
		l.cond.Broadcast()
		if err != nil {
			return err
		}
		l.synced = max(l.synced, target)
	}
	return nil
}

// syncNow makes the frames written so far durable.
func (l *Log) syncNow() error {
	l.mapMu.RLock()
	defer l.mapMu.RUnlock()
	if err := mmap.SyncRange(l.f, l.reg, 0, int(l.written.Load())); err != nil {
		return fmt.Errorf("diskmap: syncing %s: %w", l.path, err)
	}
	return nil
}

// Reset starts the log again from offset 0 after a checkpoint that made
// every frame up to its last durable in the map files. Frames are numbered
// on; the old ones left in the file have lower numbers and end a replay.
func (l *Log) Reset() {
	l.mu.Lock()
	l.synced = max(l.synced, l.appended.Load())
	l.mu.Unlock()
	l.end = 0
}

// Close closes the log, cutting the file to nothing when truncate is set (a
// clean close, after a checkpoint). It waits for a sync in flight.
func (l *Log) Close(truncate bool) error {
	l.mu.Lock()
	for l.syncing {
		l.cond.Wait()
	}
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	l.mapMu.Lock()
	defer l.mapMu.Unlock()
	var errs []error
	if l.reg != nil {
		errs = append(errs, l.reg.Unmap())
	}
	if truncate {
		errs = append(errs, mmap.Files.Truncate(l.f, 0))
	}
	errs = append(errs, l.f.Close())
	return errors.Join(errs...)
}

// grow extends the file to size with real allocation and maps it again if
// the mapping does not cover it.
func (l *Log) grow(size int64) error {
	if l.reg != nil && size <= int64(len(l.reg.Bytes())) && mmap.Reserves {
		if err := mmap.Files.Allocate(l.f, size); err != nil {
			return err
		}
		l.size = size
		l.data = l.reg.Bytes()[:size:size]
		return nil
	}
	l.mapMu.Lock()
	defer l.mapMu.Unlock()
	if l.reg != nil {
		l.reg.Unmap() // some systems cannot extend a mapped file
		l.reg, l.data = nil, nil
	}
	err := mmap.Files.Allocate(l.f, size)
	if err == nil {
		l.size = size
	}
	return errors.Join(err, l.remapLocked(l.size))
}

// remap maps the file's first size bytes, with room to double where the
// system allows.
func (l *Log) remap(size int64) error {
	l.mapMu.Lock()
	defer l.mapMu.Unlock()
	return l.remapLocked(size)
}

func (l *Log) remapLocked(size int64) error {
	length := size
	if mmap.Reserves && bits.UintSize == 64 {
		length = max(2*size, 64<<20)
	}
	reg, err := mmap.Map(l.f, int(length), mmap.ReadWrite)
	if err != nil && length > size {
		reg, err = mmap.Map(l.f, int(size), mmap.ReadWrite)
	}
	if err != nil {
		return fmt.Errorf("diskmap: %w", err)
	}
	l.reg, l.data = reg, reg.Bytes()[:size:size]
	return nil
}

// Replay reads the log file at path and calls fn, in order, for each frame
// numbered after checkpoint, as package doc describes. It returns the
// sequence number of the last frame applied, or checkpoint if none was, and
// stops at fn's first error.
func Replay(path string, checkpoint uint64, fn func(seq uint64, payload []byte) error) (uint64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return checkpoint, nil
	}
	if err != nil {
		return checkpoint, fmt.Errorf("diskmap: %w", err)
	}
	last := checkpoint
	var prev uint64
	for off := int64(0); ; {
		seq, payload, ok := frameAt(b, off)
		if !ok || (off > 0 && seq != prev+1) || (seq > checkpoint && seq != last+1) {
			return last, nil
		}
		if seq > checkpoint {
			if err := fn(seq, payload); err != nil {
				return last, err
			}
			last = seq
		}
		prev = seq
		off += FrameSize(len(payload))
	}
}

// Discard undoes the only frame appended since the last Reset, once what it
// records has been applied and needs no replay: its header is zeroed, so a
// replay finds nothing, and its sequence number will be used again. A map
// that logs only its batches uses it after each one.
func (l *Log) Discard() {
	clear(l.data[:HeaderSize])
	l.end = 0
	l.next--
	l.appended.Store(l.next - 1)
}

// SyncFile fsyncs the log whatever was synced before: after a Discard, the
// striking out of a frame that may already be on disk must be made
// durable too.
func (l *Log) SyncFile() error { return l.syncNow() }
