# Storefront: `make run` serves the shop, `make test` runs every test.
# See README.md. Everything needed is installed or started by these targets.

SHELL := /bin/bash
GO ?= go
GOSEC_VERSION := v2.30.0
export CGO_ENABLED ?= 0

.PHONY: run run-dynamodb build image test test-go test-e2e test-e2e-selftest test-audit deps-audit lint deps-go deps-e2e deps-moto bench fuzz clean

## run: serve the shop on http://127.0.0.1:8000 with the embedded SQLite store and the demo catalog.
## The binary is make's own child (not go run's, which would die on SIGTERM and leave it running): a
## SIGTERM to make (which make passes on), or Ctrl-C (SIGINT to the terminal's whole process group),
## shuts it down gracefully.
run: build
	bin/storefront

## run-dynamodb: start a local DynamoDB server (moto) and serve the shop on it.
run-dynamodb: deps-moto build
	scripts/run-dynamodb.sh

build:
	$(GO) build -o bin/storefront ./cmd/storefront

## image: the container image (static, non-root, over an empty base) as an OCI image layout in
## build/storefront-image, without a Docker daemon (cmd/build-image; the Dockerfile builds the same).
## IMAGE_ARCH picks the CPU (default amd64, as the deployment's Fargate tasks); docs/operations.md pushes it.
IMAGE_ARCH ?= amd64
IMAGE_TAG ?= latest
image:
	$(GO) run ./cmd/build-image -out build/storefront-image -arch $(IMAGE_ARCH) -tag $(IMAGE_TAG)

## test: every test: formatting, vet, security analysis, the deployment template (cfn-lint), Go unit/integration tests
## (SQLite and a local DynamoDB server), and the browser suite in three engines.
test:
	@start=$$(date +%s); $(MAKE) --no-print-directory lint test-go test-e2e test-audit; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s, exit $$status"; exit $$status

deps-go:
	$(GO) mod download

deps-moto:
	scripts/install-moto.sh

lint: deps-go
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './e2e/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run github.com/securego/gosec/v2/cmd/gosec@$(GOSEC_VERSION) -quiet -exclude-generated ./...
	scripts/cfn-lint.sh

## test-go: Go tests; the DynamoDB tests start their own single-threaded moto server; cmd/build-image's
## test builds the container image, runs the binary it holds and checks its configuration.
test-go: deps-go deps-moto
	$(GO) test -count=1 ./...

## test-e2e: browsers (installed with apt when missing and running as root), the selftest, then the scenarios.
test-e2e: test-e2e-selftest deps-moto build
	cd e2e && STOREFRONT_BIN=../bin/storefront node run.mjs

## test-e2e-selftest: the checks of the browser suite must catch what they look for (an axe-core
## violation, a failed request, a script error, horizontal scrolling, a wrong DynamoDB orders item)
## in every engine, before the scenarios rely on them (about 45 s, no shop needed).
test-e2e-selftest: deps-e2e
	cd e2e && node selftest.mjs

## test-audit: every page (catalog, category, search, product, cart, checkout, register, sign-in,
## account, orders, order, staff dashboard, product editor) at phone and desktop sizes: Lighthouse
## (100 performance, accessibility, best practices; SEO at least 95), the Nu HTML Checker (0 errors),
## axe-core (0 violations), no layout shift after load; screenshots in e2e/screenshots/audit/.
test-audit: deps-audit build
	cd audit && STOREFRONT_BIN=../bin/storefront node audit.mjs

## deps-audit: Debian's chromium and a Java runtime (default-jre-headless, for vnu.jar) when missing
## (as root), and the audit's npm packages.
deps-audit:
	audit/install-deps.sh

deps-e2e:
	scripts/install-browsers.sh
	cd e2e && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

## bench: speed and memory benchmarks, never in timed tests (scripts/bench.sh, about 8 minutes): the
## hello-world ceiling, the shop's pages, API and checkout on SQLite at 1,000 and 100,000 products
## (storefront loadtest bench), memory, start-up, page size; writes docs/performance.md and its charts;
## then the Go benchmarks (go test -bench). BENCH_FLAGS go to storefront loadtest bench.
BENCH_FLAGS ?=
bench:
	GO=$(GO) scripts/bench.sh $(BENCH_FLAGS)

## fuzz: longer fuzzing runs of every fuzz target (FUZZTIME per target, default 30s).
FUZZTIME ?= 30s
fuzz:
	scripts/fuzz-all.sh $(FUZZTIME)

clean:
	rm -rf bin build var e2e/screenshots
