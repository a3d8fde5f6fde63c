#!/usr/bin/env bash
# Another organisation's reads while one organisation uploads a large file: the release
# `flowsense demo` on a temporary directory; Northwind's admin uploads ROWS generated
# transactions (default 1,000,000, about 50 MB, the upload limit) through the API while Harbor
# Dental's viewer reads `/api/v1/me`, the runway report and the dashboard in a loop
# (READERS parallel readers, default 4). Prints the upload's time and rows, the reads' count,
# errors, p50, p99 and max. On SQLite before the fix, such reads failed with 500 "database is
# locked" after 10 s. Set FLOWSENSE_DATABASE_URL=postgres://... to run it on PostgreSQL.
# Needs: curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-1000000}"
READERS="${READERS:-4}"

cargo build --release -p flowsense >&2
B="${CARGO_TARGET_DIR:-$PWD/target}/release/flowsense"
DIR="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
DATA="$DIR/data"
unset FLOWSENSE_MASTER_KEY FLOWSENSE_MASTER_KEY_FILE

"$B" gen --transactions "$ROWS" --seed 7 --out "$DIR/books.csv" >&2
# The file must fit the upload limit (50 MB): keep the columns the upload needs.
python3 - "$DIR/books.csv" "$DIR/upload.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as src, open(sys.argv[2], "w", newline="") as dst:
    r = csv.DictReader(src)
    w = csv.writer(dst, lineterminator="\n")
    w.writerow(["date", "amount", "description", "reference"])
    for i, row in enumerate(r):
        w.writerow([row["date"], row["amount"], row["counterparty"][:24], f"b{i}"])
PY
ls -l "$DIR/upload.csv" >&2

"$B" demo --addr 127.0.0.1:0 --data-dir "$DATA" >"$DIR/server.out" 2>"$DIR/server.log" &
SERVER_PID=$!
url=""
for _ in $(seq 1 1200); do
    url="$(sed -n 's/^FlowSense demo is running at \([^ ]*\).*/\1/p' "$DIR/server.out")"
    [ -n "$url" ] && curl -sf "$url/healthz" >/dev/null && break
    sleep 0.05
done
[ -n "$url" ] || { echo "the demo did not start" >&2; cat "$DIR/server.log" >&2; exit 1; }

python3 - "$url" "$DATA/demo-credentials.json" "$DIR/upload.csv" "$READERS" <<'PY'
import http.cookiejar, json, sys, threading, time, urllib.request, uuid

url, creds_file, upload, readers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
creds = json.load(open(creds_file))

def session(org, role):
    user = next(u for u in creds["users"] if u["org"] == org and u["role"] == role)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    req = urllib.request.Request(f"{url}/api/v1/auth/login", method="POST",
        data=json.dumps({"email": user["email"], "password": user["password"]}).encode(),
        headers={"Content-Type": "application/json"})
    csrf = json.load(opener.open(req))["csrf_token"]
    me = json.load(opener.open(f"{url}/api/v1/me"))
    return opener, csrf, me["organisations"][0]["id"]

admin, csrf, org_a = session("northwind", "admin")
stop = threading.Event()
latencies, errors = [], []

def read_loop():
    opener, _, org_b = session("harbor-dental", "viewer")
    paths = ["/api/v1/me", f"/api/v1/orgs/{org_b}/reports/runway", "/app/harbor-dental"]
    while not stop.is_set():
        for p in paths:
            t = time.perf_counter()
            try:
                opener.open(f"{url}{p}", timeout=60).read()
                latencies.append(time.perf_counter() - t)
            except Exception as e:  # an HTTP error or a time-out is what we measure
                errors.append(f"{p}: {e}")

threads = [threading.Thread(target=read_loop) for _ in range(readers)]
for t in threads: t.start()
time.sleep(1)
boundary = uuid.uuid4().hex
body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
        f"Content-Type: text/csv\r\n\r\n").encode() + open(upload, "rb").read() + f"\r\n--{boundary}--\r\n".encode()
req = urllib.request.Request(f"{url}/api/v1/orgs/{org_a}/imports", method="POST", data=body,
    headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRF-Token": csrf})
start = time.perf_counter()
before = len(latencies)
result = json.load(admin.open(req, timeout=600))
took = time.perf_counter() - start
during = sorted(latencies[before:])
stop.set()
for t in threads: t.join()
pct = lambda p: during[min(len(during) - 1, len(during) * p // 100)] * 1000 if during else float("nan")
print(f"upload: {result['rows_added']:,} rows added in {took:.1f} s ({result['rows_added'] / took:,.0f} rows/s)")
print(f"another organisation's reads during it ({readers} readers): {len(during):,} reads, {len(errors)} errors, "
      f"p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {during[-1] * 1000 if during else float('nan'):.1f} ms")
for e in errors[:5]: print("  error:", e)
sys.exit(1 if errors else 0)
PY
