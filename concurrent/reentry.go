package concurrent

import (
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Callbacks and re-entry.
//
// Update and View call their fn with a shard's lock held. A call from fn
// back into that shard must not wait for the lock: its own goroutine holds
// it. Go gives a goroutine no identity that a lock could record, but a
// goroutine can read its own stack, and no other goroutine can put frames
// on it. So fn runs below a chain of frames that spells the shard's id in
// hexadecimal, one frame per digit (within, then digit0 to digitF).
//
// A method that finds a shard's lock taken, while a callback runs anywhere,
// reads the calling goroutine's stack for the shards its callbacks hold. If
// the shard is one of them, the goroutine holds its lock already: reads go
// ahead under that lock, and writes return ErrReentrant. Otherwise it
// records its wait before waiting (see waits), and a wait that would close
// a cycle of callbacks, each waiting for a shard another one holds, returns
// ErrReentrant.
//
// An uncontended lock costs nothing more, and a contended one costs the
// stack walk only while a callback runs. A callback pays for its chain: one
// frame for each hex digit of its shard's id, and ids are kept small.

// shardIDs hands out the ids that name open shards in callback chains: the
// lowest free one, so that the chains stay short.
var shardIDs struct {
	mu   sync.Mutex
	used []bool // guarded by mu
}

// takeShardID returns a free shard id and marks it used.
func takeShardID() uint32 {
	shardIDs.mu.Lock()
	defer shardIDs.mu.Unlock()
	id := slices.Index(shardIDs.used, false)
	if id < 0 {
		id = len(shardIDs.used)
		shardIDs.used = append(shardIDs.used, false)
	}
	shardIDs.used[id] = true
	return uint32(id)
}

// releaseShardID frees id, once no callback can run on its shard.
func releaseShardID(id uint32) {
	shardIDs.mu.Lock()
	defer shardIDs.mu.Unlock()
	shardIDs.used[id] = false
}

// callbackCounts counts the callbacks running, in every map, spread by
// shard id over cache lines of their own, so that callbacks on different
// shards seldom write to the same one.
var callbackCounts [16]struct {
	n atomic.Int32
	_ [60]byte
}

// callbackCount returns the counter that counts the callbacks on the shard
// named id, among others.
func callbackCount(id uint32) *atomic.Int32 {
	return &callbackCounts[id%uint32(len(callbackCounts))].n
}

// callbacksRunning reports whether a callback runs anywhere. If none does,
// the calling goroutine is not inside one.
func callbacksRunning() bool {
	for i := range callbackCounts {
		if callbackCounts[i].n.Load() > 0 {
			return true
		}
	}
	return false
}

// within calls fn below a chain of frames that spells id: the least
// significant digit outermost.
//
//go:noinline
func within(id uint32, fn func()) { spell(id, fn) }

// spell calls the frame of id's lowest digit, which spells the rest.
func spell(id uint32, fn func()) {
	rest := id >> 4
	switch id & 0xf {
	case 0x0:
		digit0(rest, fn)
	case 0x1:
		digit1(rest, fn)
	case 0x2:
		digit2(rest, fn)
	case 0x3:
		digit3(rest, fn)
	case 0x4:
		digit4(rest, fn)
	case 0x5:
		digit5(rest, fn)
	case 0x6:
		digit6(rest, fn)
	case 0x7:
		digit7(rest, fn)
	case 0x8:
		digit8(rest, fn)
	case 0x9:
		digit9(rest, fn)
	case 0xa:
		digitA(rest, fn)
	case 0xb:
		digitB(rest, fn)
	case 0xc:
		digitC(rest, fn)
	case 0xd:
		digitD(rest, fn)
	case 0xe:
		digitE(rest, fn)
	default:
		digitF(rest, fn)
	}
}

// follow spells the digits left after one, then calls fn.
func follow(rest uint32, fn func()) {
	if rest == 0 {
		fn()
		return
	}
	spell(rest, fn)
}

// The digit frames. Each must stay a frame of its own.

//go:noinline
func digit0(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit1(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit2(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit3(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit4(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit5(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit6(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit7(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit8(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digit9(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digitA(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digitB(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digitC(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digitD(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digitE(rest uint32, fn func()) { follow(rest, fn) }

//go:noinline
func digitF(rest uint32, fn func()) { follow(rest, fn) }

// funcPrefix is how the names of this package's functions begin in stack
// frames: the import path and a dot.
var funcPrefix = strings.TrimSuffix(ownName(), "ownName")

//go:noinline
func ownName() string {
	pc, _, _, _ := runtime.Caller(0)
	return runtime.FuncForPC(pc).Name()
}

// heldShards returns the ids of the shards that the calling goroutine's
// callbacks hold, innermost first.
func heldShards() []uint32 {
	var ids []uint32
	chains(func(id uint32) bool {
		ids = append(ids, id)
		return true
	})
	return ids
}

// waits records the goroutines that wait for a shard while callbacks of
// theirs hold others. Two such goroutines can each wait for a shard the
// other holds, or more of them in a longer cycle; none of them would ever
// go on. A goroutine whose wait would close such a cycle is refused, and
// the others go on once its callbacks return.
//
// A goroutine that holds no shard through a callback never closes a cycle:
// every other path holds one shard at a time and runs no code of the
// caller's while it does.
var waits struct {
	mu      sync.Mutex
	waiting map[*wait]struct{} // guarded by mu
}

// wait is a goroutine waiting for the shard named on, whose callbacks hold
// the shards named in holds.
type wait struct {
	holds []uint32
	on    uint32
}

// startWait records w, unless it would close a cycle: unless, following
// from w.on to a waiting goroutine that holds it, to the shard that one
// waits for, and so on, leads to a shard in w.holds.
func startWait(w *wait) bool {
	waits.mu.Lock()
	defer waits.mu.Unlock()
	next := []uint32{w.on}
	seen := map[uint32]bool{w.on: true}
	for len(next) > 0 {
		id := next[len(next)-1]
		next = next[:len(next)-1]
		if slices.Contains(w.holds, id) {
			return false
		}
		for x := range waits.waiting {
			if slices.Contains(x.holds, id) && !seen[x.on] {
				seen[x.on] = true
				next = append(next, x.on)
			}
		}
	}
	if waits.waiting == nil {
		waits.waiting = map[*wait]struct{}{}
	}
	waits.waiting[w] = struct{}{}
	return true
}

// endWait forgets w once its goroutine has the lock it waited for.
func endWait(w *wait) {
	waits.mu.Lock()
	defer waits.mu.Unlock()
	delete(waits.waiting, w)
}

// chains calls yield with the id spelled by each callback chain on the
// calling goroutine's stack, innermost first, until yield returns false.
func chains(yield func(id uint32) bool) {
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	var id uint32
	digits := 0
	frames := runtime.CallersFrames(pcs)
	for more := true; more; {
		var f runtime.Frame
		f, more = frames.Next()
		name, ours := strings.CutPrefix(f.Function, funcPrefix)
		switch d, err := strconv.ParseUint(strings.TrimPrefix(name, "digit"), 16, 4); {
		case ours && len(name) == len("digit0") && strings.HasPrefix(name, "digit") && err == nil:
			id = id<<4 | uint32(d) // innermost digits are the most significant
			digits++
		case ours && (name == "spell" || name == "follow"):
		case ours && name == "within" && digits > 0:
			if !yield(id) {
				return
			}
			id, digits = 0, 0
		default:
			id, digits = 0, 0
		}
	}
}
