#!/usr/bin/env bash
# MockEntra's own CPU per token request, next to the signature it makes (no sockets, no TLS):
#
#   Benchmarks/inprocess/run.sh [cc|obo|refresh] [N]            wall time per request and per signature
#   Benchmarks/inprocess/run.sh --callgrind [cc|obo|refresh]    instructions per request, by function
#
# The first form times N requests and N bare signatures (same key, same API) in turns, five
# rounds, and prints the difference: the parse / route / token-service / serialize work of one
# request. The second runs 200 and 700 requests under valgrind's callgrind and prints the
# per-request difference of every function's inclusive instruction count (exact and repeatable,
# whatever else the machine does), in bench-results/inprocess-<grant>.txt.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
scratch="$root/.build-inprocess"
swift build -c release -Xswiftc -enable-testing --scratch-path "$scratch" >&2
bin="$scratch/release/inprocess"
export MOCKENTRA_HOME="$root"

if [[ "${1:-}" != "--callgrind" ]]; then
    exec "$bin" "${1:-cc}" "${2:-2000}" timed
fi
grant="${2:-cc}"
command -v valgrind >/dev/null || { echo "run.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
mkdir -p "$root/bench-results"
tmp="$(mktemp -d)"
for n in 200 700; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$n" "$bin" "$grant" "$n" >/dev/null 2>&1
    callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.$n" > "$tmp/cg.$n.txt" 2>/dev/null
done
python3 - "$tmp" "$grant" "$root/bench-results/inprocess-$grant.txt" <<'PY'
import re, sys
tmp, grant, out = sys.argv[1:]
def load(n):
    d = {}
    for line in open(f"{tmp}/cg.{n}.txt"):
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
        if m and not m.group(2).startswith("=>"):
            name = re.sub(r" \[/.*", "", m.group(2))
            d[name] = max(d.get(name, 0), int(m.group(1).replace(",", "")))
    return d
a, b = load(200), load(700)
per = {k: (b.get(k, 0) - a.get(k, 0)) / 500 for k in set(a) | set(b)}
def top(pattern):
    return max([v for k, v in per.items() if re.search(pattern, k)] or [0])
# The signature: EVP's (a key not marked public) or the bare CRT of a public key (shim.h, inlined
# into RSAPrivateKey.signPublicRS256), including its padding.
run, verify = top(r"inprocess6handle"), top(r"^\?\?\?:EVP_PKEY_verify$")
sign = top(r"^\?\?\?:EVP_PKEY_sign$|^[^:]*shim\.h:.*signPublicRS256")
summary = (f"{grant}: instructions per request {run:,.0f}; in the RSA signature {sign:,.0f}; in the RSA verification "
           f"{verify:,.0f}; MockEntra's own {run - sign - verify:,.0f}")
with open(out, "w") as f:
    f.write(summary + "\n\ninclusive instructions per request, by function\n")
    for k, v in sorted(per.items(), key=lambda kv: -kv[1]):
        if v >= 500:
            f.write(f"{v:12,.0f}  {k[:200]}\n")
print(summary)
print(f"by function: {out}")
PY
rm -rf "$tmp"
