# scripts/bench/nginx.sh: sourced by the crawl benchmark. nginx serving a
# static directory on 127.0.0.1 (nginx.conf.template), as the current user,
# stopped by PID; and wrk measuring the server's ceiling.
#   nginx_start DIR            sets nginx_pid, nginx_port, nginx_url (http://127.0.0.1:PORT),
#                              nginx_prefix; returns once nginx answers
#   nginx_stop                 stops it (SIGQUIT, SIGKILL after 5 s) and removes its prefix;
#                              callers put it in their EXIT trap
#   wrk_rps URL CONNS SECONDS  prints wrk's requests per second
nginx_pid="" nginx_port="" nginx_url="" nginx_prefix=""

_nginx_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

nginx_start() {
  local root tries
  root="$(cd "$1" && pwd)" || return 1
  nginx_prefix="$(mktemp -d "${TMPDIR:-/tmp}/conc-nginx.XXXXXX")"
  # A port is free when asked and taken a moment later: retry a few times.
  for tries in 1 2 3 4 5; do
    nginx_port="$(_nginx_free_port)"
    sed -e "s|@PREFIX@|$nginx_prefix|g" -e "s|@ROOT@|$root|g" -e "s|@PORT@|$nginx_port|g" \
        -e "s|@USER@|$(id -un)|g" -e "s|@GROUP@|$(id -gn)|g" \
        "$(dirname "${BASH_SOURCE[0]}")/nginx.conf.template" >"$nginx_prefix/nginx.conf"
    nginx -c "$nginx_prefix/nginx.conf" -p "$nginx_prefix" -e "$nginx_prefix/error.log" -g 'daemon off;' \
      2>>"$nginx_prefix/stderr" &
    nginx_pid=$!
    nginx_url="http://127.0.0.1:$nginx_port"
    local i
    for i in $(seq 50); do  # up to 5 s
      if curl -s -o /dev/null --noproxy '*' -m 1 "$nginx_url/"; then return 0; fi
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    nginx_stop_process
  done
  echo "nginx did not start; its log:" >&2
  cat "$nginx_prefix/error.log" "$nginx_prefix/stderr" >&2 2>/dev/null
  return 1
}

nginx_stop_process() {
  [[ -n "$nginx_pid" ]] || return 0
  kill -QUIT "$nginx_pid" 2>/dev/null
  local i
  for i in $(seq 50); do
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$nginx_pid" 2>/dev/null; then
    pkill -KILL -P "$nginx_pid" 2>/dev/null  # its workers, by parent PID
    kill -KILL "$nginx_pid" 2>/dev/null
  fi
  wait "$nginx_pid" 2>/dev/null
  nginx_pid=""
}

nginx_stop() {
  nginx_stop_process
  [[ -n "$nginx_prefix" ]] && rm -rf "$nginx_prefix"
  nginx_prefix=""
}

wrk_rps() {  # URL CONNS SECONDS
  local threads=$(($2 < 2 ? $2 : 2))
  wrk -t "$threads" -c "$2" -d "${3}s" "$1" | awk '/^Requests\/sec:/ {print $2}'
}
