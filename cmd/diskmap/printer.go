package main

import (
	"fmt"
	"io"
)

// A printer writes text to w and keeps the first error, so that a verb
// prints its lines and checks once, at the end, that they were written.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) println(args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, args...)
	}
}
