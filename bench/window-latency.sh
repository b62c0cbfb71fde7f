#!/usr/bin/env bash
# The verdict in the window against the CLI, on the same photos.
#
#   bench/window-latency.sh [BUILDDIR] [PHOTO-FOLDER]
#
# Builds leafscope-window-bench, runs it under Xvfb on the photos (the first
# one warms up), then times `leafscope-cli diagnose --no-describe` on one
# photo and on all of them: the difference over the extra photos is the CLI's
# time per photo once its models are loaded, which is what the window has
# too.  Goal (issue 14): the window within 1.5x of the CLI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}
folder=${2:-../shared/datasets/beans/validation/bean_rust}
mapfile -t photos < <(find "$folder" -maxdepth 1 -name '*.jpg' | sort | head -n 21)
if [ "${#photos[@]}" -lt 3 ]; then
  echo "need at least 3 photos in $folder" >&2
  exit 2
fi
meson compile -C "$build" leafscope-window-bench leafscope-cli >/dev/null
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$PWD/$build/data" LEAFSCOPE_DATA_DIR="$PWD/data"
export GSK_RENDERER=cairo GDK_DEBUG=gl-glx NO_AT_BRIDGE=1
xvfb-run -a dbus-run-session -- "$build/bench/leafscope-window-bench" "${photos[@]}"
cli="$build/src/cli/leafscope-cli"
t0=$(date +%s%N); "$cli" diagnose -q --no-describe "${photos[1]}" >/dev/null; t1=$(date +%s%N)
"$cli" diagnose -q --no-describe "${photos[@]:1}" >/dev/null; t2=$(date +%s%N)
n=$(( ${#photos[@]} - 1 ))
awk -v one=$(( (t1 - t0) / 1000 )) -v all=$(( (t2 - t1) / 1000 )) -v n="$n" 'BEGIN {
  printf "cli: one photo %.1f ms (models loaded each run), %d photos %.1f ms: %.1f ms per photo\n",
         one / 1000, n, all / 1000, (all - one) / (n - 1) / 1000 }'
