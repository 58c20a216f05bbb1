package mmap_test

import (
	"errors"
	"os"
	"testing"

	"github.com/diskmap-go/diskmap/internal/mmap"
)

func TestLock(t *testing.T) {
	t.Parallel()
	a := newFile(t, 0)
	b := reopen(t, a, os.O_RDWR)

	if err := mmap.Lock(a, true); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := mmap.Lock(b, true); !errors.Is(err, mmap.ErrLocked) {
		t.Fatalf("Lock = %v; want mmap.ErrLocked (exclusive, then exclusive)", err)
	}
	if err := mmap.Lock(b, false); !errors.Is(err, mmap.ErrLocked) {
		t.Fatalf("Lock: %v, want mmap.ErrLocked (exclusive, then shared)", err)
	}
	if err := mmap.Unlock(a); err != nil {
		t.Fatalf("Unlock: %v", err)
	}

	if err := mmap.Lock(a, false); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := mmap.Lock(b, false); err != nil {
		t.Fatalf("Lock: %v (shared, then shared)", err)
	}
	c := reopen(t, a, os.O_RDWR)
	if err := mmap.Lock(c, true); !errors.Is(err, mmap.ErrLocked) {
		t.Fatalf("Lock: %v, want mmap.ErrLocked (shared, then exclusive)", err)
	}
	if err := mmap.Unlock(a); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := mmap.Unlock(b); err != nil {
		t.Fatalf("Unlock: %v", err)
	}

	if err := mmap.Lock(c, true); err != nil {
		t.Fatalf("Lock: %v (after unlock)", err)
	}
	if err := mmap.Unlock(c); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

func TestUnlockWithoutLock(t *testing.T) {
	t.Parallel()
	if err := mmap.Unlock(newFile(t, 0)); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
}

func TestCloseReleasesLock(t *testing.T) {
	t.Parallel()
	a := newFile(t, 0)
	b := reopen(t, a, os.O_RDWR)
	if err := mmap.Lock(a, true); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := mmap.Lock(b, true); err != nil {
		t.Fatalf("Lock: %v", err)
	}
}
