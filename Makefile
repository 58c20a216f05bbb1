# Each target is one command; .ci/run runs the same checks.
.PHONY: all fmt lint test race fuzz bench bench-compare ci

all: lint test

fmt:
	gofmt -w $$(git ls-files '*.go')

# gofmt, go vet, staticcheck and golangci-lint on every module.
lint:
	bash scripts/lint.sh

test:
	go test ./...

race:
	go test -race ./...

fuzz:
	go test ./fuzz -run '^$$' -fuzz '^FuzzOps$$' -fuzztime 60s
	go test ./fuzz -run '^$$' -fuzz '^FuzzOpenDamaged$$' -fuzztime 60s

# Micro-benchmarks, ten runs each, for benchstat.
bench:
	go test -run '^$$' -bench . -benchmem -count 10 ./... | tee bench.out

# Compare two commits: make bench-compare OLD=main NEW=HEAD
bench-compare:
	./scripts/bench-compare.sh $(OLD) $(NEW)

ci:
	bash .ci/run
