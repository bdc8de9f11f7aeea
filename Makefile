SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -euc
MAKEFLAGS += --warn-undefined-variables
.DEFAULT_GOAL := build

GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 5s
DESTDIR  ?=
BINDIR   := bin

.PHONY: build test unit integration lint fuzz bench install deb clean demo

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BINDIR)/ ./cmd/...

# test is what the README and CI run: lint, unit tests with -race, and the
# root-only namespace integration tests.
test: lint unit integration

unit:
	$(GO) test -race -count=1 ./...

integration: build
	@if [ "$$(id -u)" != 0 ]; then echo "make integration: needs root (network namespaces, mounts)" >&2; exit 1; fi
	HBGO_BIN=$(CURDIR)/$(BINDIR) $(GO) test -tags integration -count=1 -parallel 8 -timeout 25m -v ./tests/ 2>&1 | tee $(BINDIR)/integration.log | grep --line-buffered -E '^(=== RUN|--- |PASS|FAIL|ok|panic)|_test.go'

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go') $$(git ls-files --others --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./tests/...
	$(GO) vet -tags 'integration bench' ./tests/...
	$(GO) mod tidy -diff

# fuzz runs every fuzz target for FUZZTIME (go test -fuzz takes one target per package).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

# bench: Go benchmarks (codec, …), then, as root, resource agents native
# against heartbeat's scripts and failover timings (tables, never asserted).
bench: build
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./...
	HBGO_BIN=$(CURDIR)/$(BINDIR) $(GO) test -tags 'integration bench' -count=1 -v -timeout 30m -run '^Test(Resource|Failover)Bench$$' ./tests/

clean:
	rm -rf $(BINDIR)

# demo: two nodes in network namespaces fail over in front of you (root).
demo: build
	$(GO) build -trimpath -o $(BINDIR)/demo-httpd ./contrib/demo/httpd
	BIN=$(CURDIR)/$(BINDIR) contrib/demo/demo.sh

# install puts the binaries and contrib files at the paths of Debian's
# heartbeat package under DESTDIR; /etc/ha.d is never touched.
install: build
	contrib/install.sh "$(DESTDIR)" $(BINDIR)

# deb builds bin/heartbeat-go_VERSION_ARCH.deb, which replaces heartbeat.
deb: build
	contrib/deb/build.sh $(BINDIR) $(VERSION) $(BINDIR)
