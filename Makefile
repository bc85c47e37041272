# saddle: `make test` runs every test (browser tests too, when Chromium is
# installed; SADDLE_E2E=1 makes a missing Chromium a failure).
GO ?= go

.PHONY: test bench generate lint build fuzz

test: lint
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

generate:
	$(GO) tool templ generate

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...

build:
	$(GO) build -o saddle .

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSpec -fuzztime 30s ./landscapes
