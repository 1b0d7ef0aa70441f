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

# The offline answer quality gates: each fails when a score misses its
# target. The corpus's own wording; the colloquial half never tuned on
# (answered as on 2026-06-01, so the set keeps its meaning); and a city's
# corpus — the bundled measures among LOOKALIKE_DOCS generated look-alike
# measures of other regions and years — where the generated questions
# name a region and year, the shared ones the home region's.
LOOKALIKE_DOCS ?= 1000
HELDOUT_THRESHOLDS = --min-answer 0.95 --max-false-refusal 0.03 --min-refusal 0.9 --max-wrong-figure 0 --max-hedge 0.05 --min-route 0.9 --min-clarify 0.9 --min-chat 0.9 --max-forbidden 0
LOOKALIKE_THRESHOLDS = --min-hit1 0.98 --min-citation 0.98 --min-answer 0.98 --max-foreign 0 --max-wrong-figure 0 --max-forbidden 0

eval:
	rm -rf artifacts/eval-data artifacts/lookalike
	POLICYBOT_DATA_DIR=$(CURDIR)/artifacts/eval-data $(GO) run ./cmd/policybot eval --as-of 2026-06-01 $(EVAL_THRESHOLDS) testdata/eval/questions.jsonl
	POLICYBOT_DATA_DIR=$(CURDIR)/artifacts/eval-data $(GO) run ./cmd/policybot eval --as-of 2026-06-01 $(HELDOUT_THRESHOLDS) testdata/eval/colloquial-heldout.jsonl
	$(GO) run ./internal/lookalike/gen -docs $(LOOKALIKE_DOCS) -out artifacts/lookalike
	POLICYBOT_CORPUS_DIR=$(CURDIR)/artifacts/lookalike/corpus POLICYBOT_DATA_DIR=$(CURDIR)/artifacts/lookalike/data \
		$(GO) run ./cmd/policybot eval --as-of 2026-06-01 $(LOOKALIKE_THRESHOLDS) artifacts/lookalike/questions.jsonl
	POLICYBOT_CORPUS_DIR=$(CURDIR)/artifacts/lookalike/corpus POLICYBOT_DATA_DIR=$(CURDIR)/artifacts/lookalike/data \
		$(GO) run ./cmd/policybot eval --as-of 2026-06-01 $(LOOKALIKE_THRESHOLDS) testdata/eval/questions.jsonl

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
