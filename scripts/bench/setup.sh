# Sourced by the comparison scripts in scripts/bench: installs what is
# missing, builds the release conc when stale, and sets
#   root  the checkout,  conc  the binary,  data  bench-data/ (created).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/scripts/install-deps"
(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release --target conc >/dev/null)
conc="$root/build/release/apps/conc/conc"
data="$root/bench-data"
mkdir -p "$data"
