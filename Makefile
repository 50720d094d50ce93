# Everything a developer or CI runs goes through here; only Go is needed.
GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN      := bin/authkit
LDFLAGS  := -s -w -X main.version=$(VERSION)
WASM_SRC := $(shell find app shared -name '*.go' -o -name '*.txt') main_wasm.go
SRV_SRC  := $(shell find server shared web -name '*.go' -o -name '*.sql' -o -name '*.txt' -o -name '*.css' -o -name '*.svg') main.go go.mod go.sum

export CGO_ENABLED := 0

.PHONY: build wasm run test vet fmt bench fuzz clean

build: $(BIN)

wasm: web/app.wasm

# The browser app. -s -w strips debug info (about a quarter of the size);
# the compressed copies are what browsers actually download.
web/app.wasm: $(WASM_SRC) go.mod go.sum
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $@ .
	$(GO) run ./server/webui/precompress $@

$(BIN): web/app.wasm $(SRV_SRC)
	$(GO) build -trimpath -ldflags="$(LDFLAGS)" -o $@ .

run: $(BIN)
	mkdir -p data
	./$(BIN) serve --addr 127.0.0.1:8080 --db data/authkit.db

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/... ./shared/...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }

# The packages whose tests run on the database storetest picks.
DB_PACKAGES := ./server/auth/... ./server/store/... ./server/httpapi/... ./server/cli/...

# Every test: unit, API, CLI, fuzz seed corpora and the browser tests
# (which need the built binary and skip without Chromium unless CI=true).
# With AUTHKIT_TEST_POSTGRES set (.ci/with-postgres does it), the server
# suites run a second time on PostgreSQL.
test: build vet
	AUTHKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 12m ./...
	@if [ -n "$$AUTHKIT_TEST_POSTGRES" ]; then \
		echo "== the server suites again, on PostgreSQL"; \
		AUTHKIT_TEST_DB=postgres AUTHKIT_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 12m $(DB_PACKAGES); \
	else \
		echo "AUTHKIT_TEST_POSTGRES is unset: the PostgreSQL pass was skipped (run: .ci/with-postgres make test)"; \
	fi

fuzz:
	@for t in $$($(GO) test -list '^Fuzz' ./server/httpapi | grep ^Fuzz); do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime 20s ./server/httpapi || exit 1; done
	@for t in $$($(GO) test -list '^Fuzz' ./server/auth | grep ^Fuzz); do \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime 20s ./server/auth || exit 1; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./server/...

clean:
	rm -rf bin web/app.wasm web/app.wasm.gz web/app.wasm.br
