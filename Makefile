# saddle: `make test` runs every test (browser tests too, when Chromium is
# installed; SADDLE_E2E=1 makes a missing Chromium a failure), after `make
# check`.
GO ?= go

.PHONY: test check bench generate lint build fuzz artifacts stress load image

test: check
	$(GO) test -count=1 ./...

# check is the hygiene CI enforces: formatting, vet (also for arm64, where
# the networks' kernels are Go's, not assembly), a tidy go.mod, templ output
# that matches its sources, staticcheck, and the Kubernetes manifests
# against Kubernetes' schemas (kubeconform, offline, with the schemas of
# deploy/schemas); the tools are go.mod's, from the Go module proxy.
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }
	@before=$$(cat $$(git ls-files '*_templ.go') | cksum); $(GO) tool templ generate >/dev/null 2>&1; \
	if [ "$$before" != "$$(cat $$(git ls-files '*_templ.go') | cksum)" ]; then \
		echo "the *_templ.go files were not what the .templ files generate; they are regenerated now: commit them"; exit 1; fi
	$(GO) tool staticcheck ./...
	$(GO) tool kubeconform -strict -summary -schema-location 'deploy/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json' deploy/k8s/

lint: check

# image builds the container image (a static binary alone, run as nonroot)
# without a Docker daemon: `docker load -i saddle-image.tar`, or push it with
# crane. IMAGE names it.
IMAGE ?= saddle:latest
image:
	$(GO) run ./deploy/image -o saddle-image.tar -tag $(IMAGE)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

generate:
	$(GO) tool templ generate

build:
	$(GO) build -o saddle .

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzSpec -fuzztime 30s ./landscapes
	$(GO) test -run '^$$' -fuzz FuzzMessage -fuzztime 60s ./stream

# stress runs a bounded load and abuse scenario against a server of its own on
# loopback and prints its peak memory and CPU (docs/performance.md); load
# measures what 400 to 2,000 sessions receive, with the load generator in a
# process of its own.
stress:
	$(GO) run ./stress

load:
	$(GO) run ./stress -load 400,1000,2000 -speed 30 -seconds 10 -frames binary
	$(GO) run ./stress -load 400 -speed 600 -seconds 10 -frames binary

# artifacts runs the browser tests and keeps their screenshots in artifacts/.
artifacts:
	SADDLE_ARTIFACTS=$(CURDIR)/artifacts $(GO) test -count=1 ./e2e
