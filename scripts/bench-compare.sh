#!/usr/bin/env bash
# Compares the micro-benchmarks of two commits with benchstat, ten runs each,
# interleaved so that both see the same machine load.
# Usage: scripts/bench-compare.sh OLD NEW [bench regexp]
set -euo pipefail
old=${1:?old commit}; new=${2:?new commit}; pattern=${3:-.}
top=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$work/old" 2>/dev/null; git -C "$top" worktree remove --force "$work/new" 2>/dev/null; rm -rf "$work"' EXIT
go install golang.org/x/perf/cmd/benchstat@latest
for c in old new; do
	git -C "$top" worktree add --detach "$work/$c" "${!c}" >/dev/null
	(cd "$work/$c" && go test -c -o "$work/$c.test" .)
done
for _ in $(seq 10); do
	for c in old new; do
		(cd "$work/$c" && "$work/$c.test" -test.run '^$' -test.bench "$pattern" -test.benchmem) >>"$work/$c.txt"
	done
done
"$(go env GOPATH)/bin/benchstat" old="$work/old.txt" new="$work/new.txt"
