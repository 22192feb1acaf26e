#!/usr/bin/env bash
# Compares greentune's NVML energy figure with nvidia-smi's power samples over one window.
#   tools/gpu_energy_check.sh [SECONDS]     (default 10; the whole check takes < 60 s)
# Environment:
#   BUILD   build folder holding energy_probe (default: build); built there with ninja if
#           missing (configuring it first if needed)
#   PROBE   the energy_probe binary to use instead (default: $BUILD/energy_probe)
# Shared libraries the probe needs that the machine lacks (libfmt.so.9 on a bare GPU
# host) are looked up in $BUILD/runtime-libs/ too: copy them there before carrying it.
# The GPU is loaded during the window with a matmul loop when python3 has torch with
# CUDA; otherwise it is measured idle (the comparison holds either way).
set -euo pipefail
cd "$(dirname "$0")/.."

window_s=${1:-10}
build=${BUILD:-build}
probe=${PROBE:-$build/energy_probe}
export LD_LIBRARY_PATH="$build/runtime-libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if ! command -v nvidia-smi >/dev/null; then
  echo "gpu_energy_check: no nvidia-smi here: not a GPU machine" >&2
  exit 1
fi
if [ ! -x "$probe" ]; then
  [ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DGREENTUNE_BUILD_TESTS=OFF \
    -DGREENTUNE_BUILD_BENCH=OFF >/dev/null
  ninja -C "$build" energy_probe >/dev/null
fi
if missing=$(ldd "$probe" 2>/dev/null | grep 'not found'); then
  echo "gpu_energy_check: $probe lacks shared libraries (put them in $build/runtime-libs/):" >&2
  echo "$missing" >&2
  exit 1
fi

tmp=$(mktemp -d)
cleanup() {
  for pid in ${load_pid:-} ${smi_pid:-}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

load="none (idle GPU)"
if timeout 20 python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' \
    2>/dev/null; then
  python3 - "$((window_s + 5))" "$tmp/load_ready" <<'PY' &
import sys, time, torch
x = torch.randn(8192, 8192, device="cuda")
(x @ x).sum().item()
open(sys.argv[2], "w").close()
end = time.time() + float(sys.argv[1])
while time.time() < end:
    for _ in range(10):
        x = torch.tanh(x @ x)
    torch.cuda.synchronize()
PY
  load_pid=$!
  for _ in $(seq 1 200); do [ -e "$tmp/load_ready" ] && break; sleep 0.1; done
  [ -e "$tmp/load_ready" ] && load="torch matmul loop"
fi

nvidia-smi --query-gpu=index,power.draw --format=csv,noheader,nounits -lms 100 >"$tmp/smi" &
smi_pid=$!
"$probe" --seconds "$window_s" --interval-ms 100 >"$tmp/probe" 2>&1 || {
  cat "$tmp/probe" >&2
  exit 1
}
kill "$smi_pid" 2>/dev/null || true

grep '^note:' "$tmp/probe" || true
probe_window_s=$(sed -n 's/^window_s=//p' "$tmp/probe")
echo "load: $load; window: ${probe_window_s} s"
# One block per GPU: NVML's joules against nvidia-smi's mean power x the same window.
awk -v window="$probe_window_s" '
  FNR == NR {  # nvidia-smi samples: "index, watts"
    gsub(/ /, ""); split($0, f, ",")
    if (f[2] ~ /^[0-9.]+$/) { sum[f[1]] += f[2]; n[f[1]]++ }
    next
  }
  /^gpu / {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    name = $0; sub(/.*name=/, "", name)
    idx = v["index"]
    printf "GPU %s %s\n", idx, name
    printf "  NVML (greentune):   %10.1f J  %7.1f W average  (%s)\n", v["nvml_j"], v["avg_w"],
           v["from_counter"] == 1 ? "energy counter" : "integrated power samples"
    if (n[idx] > 0) {
      smi_w = sum[idx] / n[idx]
      printf "  nvidia-smi samples: %10.1f J  %7.1f W mean of %d samples\n", smi_w * window, smi_w,
             n[idx]
      if (smi_w > 0) printf "  difference:         %+9.1f %%\n", (v["avg_w"] / smi_w - 1) * 100
    } else {
      print "  nvidia-smi samples: none"
    }
  }
' "$tmp/smi" "$tmp/probe"
grep -q '^gpu ' "$tmp/probe" || echo "greentune saw no GPU (see the notes above)"
