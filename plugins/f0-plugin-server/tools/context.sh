#!/usr/bin/env bash
# context.sh: Framework0's shell client of the context server (curl + python3 for JSON).
#
#   context.sh get KEY               print the value (strings raw, others compact JSON); exit 1 if missing
#   context.sh set KEY VALUE [WHO]   VALUE is JSON when it parses (30, true, {"a":1}), else a string
#   context.sh list | all            every key and value (pretty JSON)
#   context.sh history [KEY]         history entries
#   context.sh status                server status
#   context.sh monitor [INTERVAL]    poll every INTERVAL seconds (default 2), print changed keys; Ctrl-C stops
#   context.sh dump [FORMAT] [FILE]  have the server write a dump (json, pretty, csv, txt)
#
# Server: CONTEXT_SERVER_HOST (default localhost), CONTEXT_SERVER_PORT (default 8080);
# token: F0_TOKEN. Exit codes: 0 ok, 1 missing key, 2 server unreachable or error.
set -u
HOST=${CONTEXT_SERVER_HOST:-localhost}
PORT=${CONTEXT_SERVER_PORT:-8080}
BASE="http://${HOST}:${PORT}"
PY=${PYTHON:-python3}
AUTH=()
if [ -n "${F0_TOKEN:-}" ]; then AUTH=(-H "Authorization: Bearer ${F0_TOKEN}"); fi

die() { echo "context.sh: $*" >&2; exit 2; }

# call METHOD PATH [BODY]: prints the body; sets STATUS
call() {
  local out
  if [ $# -ge 3 ]; then
    out=$(curl -sS -X "$1" "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "$3" \
      -w '\n%{http_code}' "${BASE}$2" 2>&1) || die "cannot reach the context server at ${BASE}"
  else
    out=$(curl -sS -X "$1" "${AUTH[@]}" -w '\n%{http_code}' "${BASE}$2" 2>&1) \
      || die "cannot reach the context server at ${BASE}"
  fi
  STATUS=${out##*$'\n'}
  BODY=${out%$'\n'*}
}

urlencode() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

check() { [ "${STATUS}" -lt 400 ] || die "server answered ${STATUS}: ${BODY}"; }

cmd=${1:-}
shift || true
case "$cmd" in
  get)
    [ $# -ge 1 ] || die "usage: context.sh get KEY"
    call GET "/api/ctx/$(urlencode "$1")"
    [ "$STATUS" = 404 ] && exit 1
    check
    printf '%s' "$BODY" | "$PY" -c 'import json, sys
v = json.load(sys.stdin)["value"]
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), ensure_ascii=False))'
    ;;
  set)
    [ $# -ge 2 ] || die "usage: context.sh set KEY VALUE [WHO]"
    body=$("$PY" -c 'import json, sys
key, raw, who = sys.argv[1], sys.argv[2], sys.argv[3]
def bad(name):
    raise ValueError(name)
try:
    value = json.loads(raw, parse_constant=bad)
except ValueError:
    value = raw
print(json.dumps({"key": key, "value": value, "who": who}))' "$1" "$2" "${3:-shell}")
    call POST /ctx "$body"
    check
    ;;
  list|all)
    call GET /ctx/all; check
    printf '%s' "$BODY" | "$PY" -m json.tool --no-ensure-ascii
    ;;
  history)
    path=/ctx/history
    [ $# -ge 1 ] && path="/ctx/history?key=$(urlencode "$1")"
    call GET "$path"; check
    printf '%s' "$BODY" | "$PY" -m json.tool --no-ensure-ascii
    ;;
  status)
    call GET /status; check
    printf '%s' "$BODY" | "$PY" -m json.tool
    ;;
  monitor)
    interval=${1:-2}
    prev=$(mktemp); trap 'rm -f "$prev"' EXIT
    echo '{}' > "$prev"
    first=1
    while true; do
      call GET /ctx/all; check
      printf '%s' "$BODY" | "$PY" -c 'import json, sys, time
old = json.load(open(sys.argv[1])); new = json.load(sys.stdin); first = sys.argv[2] == "1"
stamp = time.strftime("%H:%M:%S")
if not first:
    for k, v in new.items():
        if k not in old or old[k] != v:
            print(f"[{stamp}] {k} = {json.dumps(v, ensure_ascii=False)}", flush=True)
    for k in old:
        if k not in new:
            print(f"[{stamp}] {k} deleted", flush=True)
json.dump(new, open(sys.argv[1], "w"))' "$prev" "$first"
      first=0
      sleep "$interval"
    done
    ;;
  dump)
    body=$("$PY" -c 'import json, sys
d = {"format": sys.argv[1]}
if sys.argv[2]:
    d["filename"] = sys.argv[2]
print(json.dumps(d))' "${1:-json}" "${2:-}")
    call POST /ctx/dump "$body"; check
    printf '%s' "$BODY" | "$PY" -m json.tool
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    [ -z "$cmd" ] || [ "$cmd" = help ] || [ "$cmd" = -h ] || exit 2
    ;;
esac
