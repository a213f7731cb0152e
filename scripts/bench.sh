#!/usr/bin/env bash
# make bench: the speed and memory measurements of the shop, never part of
# the timed tests. In one run on this machine (about 8 to 10 minutes on 2 cores):
#
#  1. storefront loadtest bench (internal/loadtest): a hello-world Go
#     net/http server as the ceiling, then the shop on SQLite with a
#     generated catalog of 1,000 and of 100,000 products: guest and
#     signed-in catalog page, product page, search, category page, page
#     400, API product list, the HTML shopper mix and the API checkout
#     (16 clients); memory (VmRSS/VmHWM), start-up to ready and the catalog
#     page's compressed size. It writes var/bench/results.json and
#     docs/performance.md (its generated regions; the rest of the file is
#     kept) with the SVG charts in docs/performance/.
#  2. The Go benchmarks: go test -run '^$' -bench . -benchmem ./...
#     (their output also in var/bench/go-bench.txt).
#
# Arguments go to storefront loadtest bench, e.g.
#   make bench BENCH_FLAGS='-duration 5s -sizes 1000,20000'
# storefront loadtest bench -h lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mkdir -p var/bench
start=$(date +%s)

echo "== build"
CGO_ENABLED=0 "$GO" build -o var/bench/storefront ./cmd/storefront

echo "== load tests (storefront loadtest bench)"
status=0
var/bench/storefront loadtest bench -binary var/bench/storefront -work var/bench -out docs/performance.md "$@" || status=$?

echo "== Go benchmarks"
"$GO" test -run '^$' -bench . -benchmem ./... 2>&1 | tee var/bench/go-bench.txt || status=$?
# tee hides go test's status
if grep -q '^FAIL' var/bench/go-bench.txt; then status=1; fi

echo "make bench: $(( $(date +%s) - start )) s, exit $status"
exit "$status"
