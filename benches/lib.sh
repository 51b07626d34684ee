# Sourced by the benches (not run alone): a scratch directory and the services a bench
# starts in the background, both gone when the bench exits; a free loopback port.

# Sets $work to a fresh directory; on exit every background job of the bench still
# running is killed and $work removed (made writable first: go's module cache is not).
bench_scratch() {
  work=$(mktemp -d)
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pids
  pids=$(jobs -p)
  [ -n "$pids" ] && kill $pids 2>/dev/null || true
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}

# A TCP port nothing listens on right now, on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (at most 10 s) until something accepts connections on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
