# Everything a developer or CI runs goes through here; only Go is needed.
# The browser tests, the load generator and the developer tools live in
# their own module, tools/ (tools/go.mod replaces the product module with
# this directory, so they test this commit); Go's ./... from here skips
# it, so the targets below name it explicitly.
GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN      := bin/authkit
LDFLAGS  := -s -w -X main.version=$(VERSION)
# The binaries are stripped (-s -w), so the compiler's debug information
# would only be thrown away at the link: not making it takes a quarter off
# a first build's CPU (modernc SQLite's huge functions above all).
# Inlining is kept where requests spend their time: the standard library,
# the kit's own packages and the libraries on the request paths (INLINED:
# SQLite and bun for every write, argon2 and the rest of x/crypto, the JWT
# and JSON libraries, the Prometheus client, brotli at start-up). The rest
# runs once per page or ceremony and is compiled without it: go-app,
# whose generated element methods made inlining most of its compile time
# (25 s of CPU against 11, each side), go-webauthn with go-tpm and the CBOR
# and msgpack codecs, go-oidc and go-jose, protobuf, x/text. The binary is
# 0.3 MB smaller for it (the 25 MB limit of #15), and the bench's reads,
# refreshes and logins measured the same. Every build step uses the same
# flags, so they share the build cache (main_test.go reads INLINED too).
INLINED    := std ./... modernc.org/... github.com/uptrace/bun/... golang.org/x/crypto/... golang.org/x/sys/... github.com/golang-jwt/jwt/v5/... github.com/go-json-experiment/json/... github.com/prometheus/... github.com/andybalholm/brotli/... github.com/puzpuzpuz/xsync/... github.com/tmthrgd/go-hex/... github.com/cespare/xxhash/... github.com/google/uuid/...
BUILDFLAGS := -trimpath '-gcflags=all=-dwarf=false -l' $(foreach p,$(INLINED),-gcflags=$(p)=-dwarf=false)
# The compiler is a Go program, and collects its garbage like one: at
# GOGC=400 a first build takes 7-12% less CPU, for a compile of 1 GB at
# its largest (modernc SQLite's package) instead of 0.7. Only the build
# commands run with it; tests keep the default, which the server's heap
# floor obeys.
BUILDGC := GOGC=400
WASM_SRC := $(shell find app shared -name '*.go' -o -name '*.txt') main_wasm.go pages.go
SRV_SRC  := $(shell find server app shared web -name '*.go' -o -name '*.txt' -o -name '*.html' -o -name '*.json' -o -name '*.css' -o -name '*.svg' -o -name '*.png' -o -name '*.bin') main.go pages.go go.mod go.sum

# What browsers download is web/app.wasm.br, the only copy the binary
# embeds (the server makes a gzip copy from it for browsers without
# brotli): quality 6 compresses the 9.4 MB app.wasm in about a second to
# 1.93 MB; 11, which make release uses, takes about 40 s for 1.67 MB.
# (wasm-opt -Oz, tried: 8% off the raw file, under 1% off the compressed
# ones, for 90 s of CPU; not used.)
BROTLI_QUALITY ?= 6

export CGO_ENABLED := 0

.PHONY: build release wasm run test vet cross fmt bench fuzz clean FORCE

# A first build (an empty Go cache) spends most of its time compiling:
# app.wasm on one side, the server's packages (modernc SQLite above all) on
# the other. The sub-make runs the two at once (-j2), then compresses the
# wasm and links the binary; see the table in README.
build:
	@$(MAKE) --no-print-directory -j2 $(BIN)

# The release build: the smallest download (brotli at 11), worth its extra
# half minute for what ships.
release:
	@$(MAKE) --no-print-directory BROTLI_QUALITY=11 build

wasm: web/app.wasm.br

# The browser app. -s -w strips debug info (about a quarter of the size).
# The raw file stays in bin/: the binary embeds only the compressed copies.
# WASM_NOINLINE names packages that INLINED keeps inlined but app.wasm
# compiles without inlining after all: the app's own (its page code runs
# once per click), and crypto/... and math/big, which net/http's package
# initialisers pull in but no page runs. Inlined copies of a function
# compress worse than calls to it: without them app.wasm.br is 1.93 MB
# instead of 2.02, the raw file is smaller too, and the first render
# measured no slower (README, #15).
WASM_NOINLINE := ./... crypto/... math/big
bin/app.wasm: $(WASM_SRC) go.mod go.sum
	@mkdir -p bin
	GOOS=js GOARCH=wasm $(BUILDGC) $(GO) build $(BUILDFLAGS) $(foreach p,$(WASM_NOINLINE),'-gcflags=$(p)=-dwarf=false -l') -ldflags="-s -w" -o $@ .

# The copy browsers download, redone when the brotli quality changes. A
# raw web/app.wasm or a gzip copy left by an older build is removed, or
# the binary would embed it.
web/app.wasm.br: bin/app.wasm bin/.brotli-quality
	@rm -f web/app.wasm web/app.wasm.gz
	$(BUILDGC) $(GO) run $(BUILDFLAGS) ./server/webui/precompress -brotli-quality $(BROTLI_QUALITY) -o web/app.wasm bin/app.wasm

bin/.brotli-quality: FORCE
	@mkdir -p bin
	@echo $(BROTLI_QUALITY) | cmp -s - $@ || echo $(BROTLI_QUALITY) > $@

# Every package the server is made of, except web/ and those that embed
# it, compiled into Go's build cache: with make build's -j2 this runs
# beside the wasm compile. The final go build then compiles only main,
# web/, webui and cli, and links.
bin/.server-packages: $(filter-out web/%,$(SRV_SRC))
	@mkdir -p bin
	$(BUILDGC) $(GO) build $(BUILDFLAGS) $$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}} {{join .Deps " "}}{{end}}' . | awk '!/authkit\/web( |$$)/ {print $$1}')
	@touch $@

$(BIN): web/app.wasm.br bin/.server-packages $(SRV_SRC)
	$(BUILDGC) $(GO) build $(BUILDFLAGS) -ldflags="$(LDFLAGS)" -o $@ .

# The app is served as http://localhost:8080, not 127.0.0.1: WebAuthn
# refuses an IP address as the relying party's id, so passkeys need a host
# name, and browsers treat localhost as a secure context (for the __Host-
# cookies) as they do 127.0.0.1.
run: build
	mkdir -p data
	./$(BIN) serve --addr 127.0.0.1:8080 --public-url http://localhost:8080 --db data/authkit.db

# Like run, but rebuilds and restarts the server whenever a source file
# changes (polling once a second; Ctrl-C stops both). Configure serve with
# AUTHKIT_* variables, e.g. AUTHKIT_REQUIRE_VERIFIED_EMAIL=true make dev.
# dev.sh calls make build itself: a recipe naming $(MAKE) would run even
# under make -n.
.PHONY: dev
dev:
	@sh tools/devtools/dev.sh

vet: cross
	$(GO) vet ./...
	cd tools && $(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/... ./shared/...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }

# Forks develop on macOS and Windows too: the product must build and vet
# there, and the tools module must vet (Linux-only code such as prlimit(2)
# or /proc sits behind //go:build linux).
CROSS_GOOS := darwin windows

cross:
	@for os in $(CROSS_GOOS); do \
		echo "GOOS=$$os: go build ./... && go vet ./..., then go vet ./... in tools"; \
		GOOS=$$os $(GO) build ./... && GOOS=$$os $(GO) vet ./... && \
			(cd tools && GOOS=$$os $(GO) vet ./...) || exit 1; \
	done

# The packages whose tests run on the database storetest picks.
DB_PACKAGES := ./server/auth/... ./server/store/... ./server/httpapi/... ./server/cli/... ./server/sso/... ./server/account/... ./server/totp/... ./server/passkeys/...

# Every test: unit, API, CLI and fuzz seed corpora, then the tools module's
# browser, robustness and rename tests (they need the built binary; the
# browser tests skip without Chromium unless CI=true).
# With AUTHKIT_TEST_POSTGRES set (.ci/with-postgres does it), the server
# suites run a second time on PostgreSQL.
test: build vet
	AUTHKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 12m ./...
	@$(MAKE) --no-print-directory axe || echo "axe-core could not be fetched (npm missing or offline): the browser tests skip their accessibility checks (CI=true fails them)"
	@# shared/ runs in the browser too, where some rules use JavaScript
	@# (normalize_wasm.go): its tests run again as WebAssembly under Node.
	@if command -v node >/dev/null 2>&1; then \
		echo "== shared/ as WebAssembly (Node)"; \
		PATH="$$PATH:$$($(GO) env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm $(GO) test -count=1 ./shared/...; \
	else \
		echo "node not found: shared/ was not tested as WebAssembly"; \
	fi
	cd tools && AUTHKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 14m ./...
	@if [ -n "$$AUTHKIT_TEST_POSTGRES" ]; then \
		echo "== the server suites again, on PostgreSQL"; \
		AUTHKIT_TEST_DB=postgres AUTHKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 12m $(DB_PACKAGES); \
	else \
		echo "AUTHKIT_TEST_POSTGRES is unset: the PostgreSQL pass was skipped (run: .ci/with-postgres make test)"; \
	fi

# Every fuzz target of every package of both modules (found by their
# `func Fuzz` lines), FUZZTIME each; make test runs only their seed
# corpora. Inputs that fail are saved under the package's testdata/fuzz/
# to become seeds.
FUZZTIME ?= 15s

fuzz:
	@set -e; for mod in . tools; do \
		for dir in $$(cd $$mod && grep -rl --include='*_test.go' --exclude-dir=tools '^func Fuzz' . | sed 's|/[^/]*$$||' | sort -u); do \
			targets=$$($(GO) -C $$mod test -list '^Fuzz' $$dir | grep '^Fuzz') || exit 1; \
			for t in $$targets; do \
				echo "== $$mod/$${dir#./} $$t for $(FUZZTIME)"; \
				$(GO) -C $$mod test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$dir; \
			done; \
		done; \
	done

# Measured speed: the Go micro-benchmarks (token signing and checking,
# argon2id, the session check), then the load generator against the built
# binary (requests/s, latency, server CPU and memory per scenario) with the
# frontend's size and first-render time. Run one at a time on a quiet
# machine: the generator shares the cores with the server. BENCH_FLAGS goes
# to the generator, e.g. BENCH_FLAGS='-duration 10s -json bench.json'. The
# generator (tools/bench) is built into bin/ and run from here, so paths
# in BENCH_FLAGS are relative to this directory. By default every scenario
# runs in three rounds, taking turns, and the ratios to the floor are the
# median of the rounds': one round's ratio moves by 0.1 on a shared
# machine.
BENCH_FLAGS ?= -rounds 3 -duration 3s

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./server/...
	cd tools && $(GO) build -o $(CURDIR)/bin/bench ./bench
	./bin/bench -bin $(BIN) $(BENCH_FLAGS)

clean:
	rm -rf bin web/app.wasm web/app.wasm.gz web/app.wasm.br

# axe-core, the accessibility engine the browser tests run on every page
# (tools/e2e/axe_test.go finds it here, or at $AUTHKIT_AXE). Pinned, and
# fetched once with npm into .cache/ (git-ignored); .ci/run installs Node
# and npm from Debian when they are missing.
AXE_VERSION := 4.14.1
AXE         := .cache/axe-core-$(AXE_VERSION)/axe.min.js

.PHONY: axe
axe: $(AXE)

$(AXE):
	@command -v npm >/dev/null 2>&1 || { echo "axe: npm not found (apt-get install nodejs npm)"; exit 1; }
	mkdir -p $(dir $(AXE))
	cd $(dir $(AXE)) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
		tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js && \
		rm axe-core-$(AXE_VERSION).tgz

# The OpenAPI document, generated from the route declarations (the kit's
# and those of the modules main.go lists): the server serves the same at
# /api/openapi.json. docs/openapi.json is the copy for readers and
# linters; the root package's test fails when it is stale.
.PHONY: openapi openapi-lint
openapi:
	$(GO) run . openapi --output docs/openapi.json

# Lints docs/openapi.json with Redocly's recommended rules (exceptions,
# with reasons, in .redocly.lint-ignore.yaml). Node is optional here: the
# lint is skipped, with a line saying so, when npx is missing or cannot
# fetch the linter (offline CI); a lint error fails.
REDOCLY := @redocly/cli@2.77.0

openapi-lint:
	@if ! command -v npx >/dev/null 2>&1; then \
		echo "openapi-lint: skipped (npx not found; install Node.js to lint docs/openapi.json)"; \
	elif ! npx --yes $(REDOCLY) --version >/dev/null 2>&1; then \
		echo "openapi-lint: skipped (npx could not fetch $(REDOCLY))"; \
	else \
		npx --yes $(REDOCLY) lint --extends recommended docs/openapi.json; \
	fi

# A fork's first step: make rename MODULE=github.com/you/yourapp rewrites
# the module path in go.mod, in every Go import and in the Markdown docs,
# and in tools/go.mod: its own path becomes $(MODULE)/tools and its
# require and replace name $(MODULE). go mod edit checks the new path; sed
# and grep do the rest.
.PHONY: rename
rename:
	@case '$(MODULE)' in '') echo 'usage: make rename MODULE=github.com/you/yourapp' >&2; exit 2;; esac
	@old=$$(sed -n 's/^module[[:space:]]*//p' go.mod); \
	pattern=$$(printf '%s' "$$old" | sed 's/[.]/\\./g'); \
	$(GO) mod edit -module '$(MODULE)' && \
	grep -rlF --include='*.go' --include='*.md' --include=go.mod --exclude-dir=.git -e "$$old" . | \
	while IFS= read -r f; do \
		sed -i.rename-bak -e "s|$$pattern|$(MODULE)|g" "$$f" && rm -f "$$f.rename-bak" || exit 1; \
	done && \
	echo "renamed module $$old to $(MODULE); check with: go build ./... && make test"
