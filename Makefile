# One command runs every test: `make test`. It installs what the tests need
# when it is missing, so it works on a fresh Debian machine.
GO ?= go
EVAL_THRESHOLDS = --min-hit1 0.90 --min-hit5 0.97 --min-answer 0.90 --min-refusal 1.0 --max-false-refusal 0.05 --max-forbidden 0

.PHONY: test deps vet unit eval fuzz bench build load

test: deps vet unit eval

deps:
	@./.ci/deps.sh

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

# Browser screenshots and other test artifacts land in ./artifacts.
unit:
	POLICYBOT_ARTIFACTS=$(CURDIR)/artifacts $(GO) test -count=1 ./...

# The offline answer quality gate: fails when a score is below its target.
eval:
	rm -rf artifacts/eval-data
	POLICYBOT_DATA_DIR=$(CURDIR)/artifacts/eval-data $(GO) run ./cmd/policybot eval $(EVAL_THRESHOLDS) testdata/eval/questions.jsonl

fuzz:
	$(GO) test ./policies -run XXX -fuzz FuzzParse$$ -fuzztime 30s
	$(GO) test ./policies -run XXX -fuzz FuzzFrontMatter -fuzztime 15s

bench:
	$(GO) test -run XXX -bench . -benchmem ./retrieval/... ./bot/...

build:
	$(GO) build -o bin/policybot ./cmd/policybot

# The load benchmark of POST /api/chat (web/loadtest/README.md): offline,
# 32 connections for 20 s on loopback. Needs wrk (apt-get install wrk).
load:
	./web/loadtest/run.sh
