#!/usr/bin/env bash
# Lints every module of the repository (the root and each directory with a
# go.mod of its own, such as bench/): gofmt, go vet, staticcheck and
# golangci-lint with .golangci.yml; the root module is linted again as
# windows and darwin build it, for the files of those systems. The linters
# are installed at the pinned versions below into a temporary GOBIN, never
# into a go.mod.
# Usage: scripts/lint.sh
set -euo pipefail
staticcheck_version=v0.8.2  # staticcheck 2026.2.2
golangci_version=v2.15.0

top=$(git rev-parse --show-toplevel)
cd "$top"
export GOFLAGS=-mod=mod

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
echo "== installing staticcheck $staticcheck_version, golangci-lint $golangci_version"
GOBIN=$bin go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
GOBIN=$bin go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$golangci_version"

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

for mod in go.mod $(git ls-files '*/go.mod'); do
	dir=$(dirname "$mod")
	echo "== module $dir: go vet, staticcheck, golangci-lint"
	(
		cd "$dir"
		go vet ./...
		"$bin/staticcheck" ./...
		"$bin/golangci-lint" run --config "$top/.golangci.yml" ./...
	)
done

for goos in windows darwin; do
	echo "== module .: golangci-lint with GOOS=$goos"
	GOOS=$goos "$bin/golangci-lint" run --config "$top/.golangci.yml" ./...
done
