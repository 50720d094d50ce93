#!/bin/sh
# make dev: builds the app and the server with `make build`, runs
# `bin/authkit serve`, and rebuilds and restarts it whenever a source file
# changes. It polls once a second with a checksum of the sources, so it
# needs only a POSIX shell, coreutils and Go (no inotify-tools, no air).
# Ctrl-C stops the watcher and the server together. Arguments go to
# `authkit serve`, and so do AUTHKIT_* variables.
set -u
cd "$(dirname "$0")/../.." || exit 1

make=${MAKE:-make} # e.g. MAKE=gmake where make is not GNU make
server=
# As make run: the app at http://localhost:8080, a host name, which
# passkeys (WebAuthn) need; set AUTHKIT_PUBLIC_URL to change it.
AUTHKIT_PUBLIC_URL=${AUTHKIT_PUBLIC_URL:-http://localhost:8080}
export AUTHKIT_PUBLIC_URL

# fingerprint is a checksum of every source file the build reads. The
# build's own output, web/app.wasm*, is left out, or each build would
# trigger the next; so are tests, which the binary does not contain.
fingerprint() {
	find app server shared web main.go main_wasm.go go.mod go.sum -type f \
		! -name 'app.wasm*' ! -name '*_test.go' -exec cksum {} + 2>/dev/null | LC_ALL=C sort | cksum
}

start() {
	mkdir -p data
	./bin/authkit serve "$@" &
	server=$!
}

stop() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null
		server=
	fi
}

trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

last=$(fingerprint)
if $make build; then
	start "$@"
else
	echo "dev: the build failed; fix it and save" >&2
fi
while sleep 1; do
	now=$(fingerprint)
	[ "$now" = "$last" ] && continue
	last=$now
	echo "dev: a source file changed; rebuilding" >&2
	if $make build; then
		stop
		start "$@"
	else
		echo "dev: the build failed; fix it and save (a running server keeps the last good build)" >&2
	fi
done
