package wal

import (
	"crypto/rand"
	"encoding/binary"
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
// Append, Reserve, Reset, Discard and Close are called by one goroutine at
// a time: the map's writer. WaitSynced may be called from any goroutine at
// any time; that is what lets writers share fsyncs (group commit).
type Log struct {
	f     *os.File
	path  string
	files mmap.FS // every operation on f outside the mapping goes through it

	mapMu sync.RWMutex // held for writing while the mapping moves; syncs hold it for reading
	reg   *mmap.Region
	data  []byte // the mapping, up to size
	size  int64  // file size

	generation uint64 // of the map's file set, written in the file header
	salt       salt   // of the frames since the file header was written
	end        int64  // where the next frame goes; 0 until a file header starts this generation of the log
	next       uint64 // sequence number of the next frame

	appended atomic.Uint64 // sequence number of the last frame written
	written  atomic.Int64  // bytes of the file a sync must cover

	mu      sync.Mutex // guards the fields below
	cond    sync.Cond  // signalled when a sync ends
	synced  uint64     // every frame up to here is on stable storage
	syncing bool       // a sync is in flight
	closed  bool
}

// Open opens or creates the log file at path, through files, beside a map
// whose file set has the given generation, for frames numbered from last+1
// on. A file it creates gets the permission bits perm, less the umask; one
// that exists keeps its own. Every later operation on the file outside its
// mapping goes through files too. It writes nothing: the first Append
// starts a new generation of the log, with a new salt, over whatever the
// file holds, so replay it first.
func Open(files mmap.FS, path string, perm os.FileMode, generation, last uint64) (*Log, error) {
	f, err := files.OpenFile(path, os.O_RDWR|os.O_CREATE, perm)
	if err != nil {
		return nil, fmt.Errorf("diskmap: opening %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil {
		err = files.Allocate(f, fi.Size()) // the holes of a sparse copy
	}
	err = mmap.Cause(err)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("diskmap: opening %s: %w", path, err)
	}
	l := &Log{f: f, path: path, files: files, size: fi.Size(), generation: generation, next: last + 1, synced: last}
	l.cond.L = &l.mu
	l.appended.Store(last)
	if err := l.remap(l.size); err != nil {
		_ = f.Close()
		return nil, err
	}
	return l, nil
}

// Resume opens the log file at path, through files, to append after the
// frames that Replay found, in the same generation of the log: what the map
// holds beyond its checkpoint then stays recorded in the log alone. It
// makes those frames durable first. A log without a file header of the map's
// generation cannot be resumed. perm is as for Open.
func Resume(files mmap.FS, path string, perm os.FileMode, t Tail) (*Log, error) {
	if t.header == nil {
		return nil, fmt.Errorf("diskmap: %s: a log of format version 1, or of another file set, cannot be continued", path)
	}
	l, err := Open(files, path, perm, t.header.generation, t.Last)
	if err != nil {
		return nil, err
	}
	if t.End > l.size {
		_ = l.Close(false)
		return nil, fmt.Errorf("diskmap: %s changed since it was replayed", path)
	}
	l.salt, l.end = saltOf(t.header.salt), t.End
	l.written.Store(t.End)
	if err := l.syncNow(); err != nil {
		_ = l.Close(false)
		return nil, err
	}
	return l, nil
}

// Size returns the bytes of frames written since the last Reset.
func (l *Log) Size() int64 { return max(l.end-FileHeaderSize, 0) }

// Last returns the sequence number of the last frame written.
func (l *Log) Last() uint64 { return l.appended.Load() }

// Reserve makes room for a frame with an n-byte payload, so that the next
// Append of that size cannot fail. It is how a map checks that a mutation
// can be logged before it applies it.
func (l *Log) Reserve(n int) error {
	need := max(l.end, FileHeaderSize) + FrameSize(n)
	if need <= l.size {
		return nil
	}
	return l.grow(max(need, 2*l.size, 1<<20))
}

// Append writes a frame holding payload and returns its sequence number.
// The frame survives a crash of the process at once, a power loss only once
// WaitSynced has returned for it.
func (l *Log) Append(payload []byte) (uint64, error) {
	if err := l.Reserve(len(payload)); err != nil {
		return 0, err
	}
	if l.end == 0 {
		l.start()
	}
	seq := l.next
	n := FrameSize(len(payload))
	putFrame(l.data[l.end:l.end+n:l.end+n], l.salt, seq, payload)
	l.end += n
	l.next++
	l.written.Store(max(l.written.Load(), l.end))
	l.appended.Store(seq)
	return seq, nil
}

// start begins a new generation of the log: a file header with a new
// salt, drawn from crypto/rand, so that no frame of an earlier generation,
// and no byte string written into one, passes for a frame of this one.
// Frames follow the header.
func (l *Log) start() {
	var b [8]byte
	rand.Read(b[:]) // never fails: it crashes the program first
	l.salt = saltOf(binary.LittleEndian.Uint64(b[:]))
	fileHeader{generation: l.generation, salt: l.salt.value}.encode(l.data)
	l.end = FileHeaderSize
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

// syncNow makes the frames written so far, and the file header, durable.
func (l *Log) syncNow() error {
	l.mapMu.RLock()
	defer l.mapMu.RUnlock()
	if err := mmap.SyncRange(l.files, l.f, l.reg, 0, int(l.written.Load())); err != nil {
		return fmt.Errorf("diskmap: syncing %s: %w", l.path, err)
	}
	return nil
}

// Reset ends this generation of the log after a checkpoint that made
// every frame up to the last durable in the map files, whose file set now
// has the given generation. Frames are numbered on; the next Append writes
// a new file header, with a new salt, and its frame after it.
func (l *Log) Reset(generation uint64) {
	l.mu.Lock()
	l.synced = max(l.synced, l.appended.Load())
	l.mu.Unlock()
	l.generation, l.end = generation, 0
}

// Discard undoes the only frame appended since the last Reset, once what it
// records has been applied and needs no replay: its header is zeroed, so a
// replay finds nothing, and its sequence number will be used again. A map
// that logs only its batches uses it after each one.
func (l *Log) Discard() {
	clear(l.data[FileHeaderSize : FileHeaderSize+FrameHeaderSize])
	l.end = FileHeaderSize
	l.next--
	l.appended.Store(l.next - 1)
}

// SyncFile fsyncs the log whatever was synced before: after a Discard, the
// striking out of a frame that may already be on disk must be made
// durable too.
func (l *Log) SyncFile() error { return l.syncNow() }

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
		errs = append(errs, l.files.Truncate(l.f, 0))
	}
	errs = append(errs, mmap.Cause(l.f.Close()))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("diskmap: closing %s: %w", l.path, err)
	}
	return nil
}

// grow extends the file to size with real allocation and maps it again if
// the mapping does not cover it.
func (l *Log) grow(size int64) error {
	if l.reg != nil && size <= int64(len(l.reg.Bytes())) && mmap.Reserves {
		if err := l.files.Allocate(l.f, size); err != nil {
			return fmt.Errorf("diskmap: growing %s: %w", l.path, err)
		}
		l.size = size
		l.data = l.reg.Bytes()[:size:size]
		return nil
	}
	l.mapMu.Lock()
	defer l.mapMu.Unlock()
	var err error
	if l.reg != nil {
		err = l.reg.Unmap() // some systems cannot extend a mapped file
		l.reg, l.data = nil, nil
	}
	if err == nil {
		err = l.files.Allocate(l.f, size)
	}
	if err == nil {
		l.size = size
	} else {
		err = fmt.Errorf("diskmap: growing %s: %w", l.path, err)
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
		return fmt.Errorf("diskmap: mapping %s: %w", l.path, err)
	}
	l.reg, l.data = reg, reg.Bytes()[:size:size]
	return nil
}
