#!/usr/bin/env bash
# Peak memory of `earshot analyze` on a 1-hour 44.1 kHz stereo WAV, plain and with --overview,
# against the target of less than 64 MiB: analysis streams, so memory must not grow with the
# input's length.
#   bench/peak_rss.sh [EARSHOT]   EARSHOT defaults to build/earshot, built by
#                                 cmake -S . -B build -G Ninja && cmake --build build
# The WAV (about 635 MB) is made with sox in a temporary directory, deleted on exit.
# Exits 1 when the target is missed, 2 when the measurement could not be made.
set -euo pipefail

target_kib=$((64 * 1024))
earshot=${1:-}
if [ -n "$earshot" ]; then
  earshot=$(realpath "$earshot")  # relative to the caller's directory, before the cd below
fi
cd "$(dirname "$0")/.."
earshot=${earshot:-$PWD/build/earshot}
if [ ! -x "$earshot" ]; then
  echo "peak_rss: no program at $earshot; build it with:" >&2
  echo "  cmake -S . -B build -G Ninja && cmake --build build" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/earshot-peak-rss-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
wav=$tmp/one_hour.wav
echo "generating 1 h of 44.1 kHz stereo 16-bit WAV in $tmp ..."
# One tone per channel: the content does not matter for memory, only the length does.
sox -n -r 44100 -c 2 -b 16 "$wav" synth 3600 sine 440 sine 660 vol 0.5
echo "input: $(du -h "$wav" | cut -f1), $(soxi -d "$wav")"

status=0
# The plain analysis, then with the overview (waveform and spectrogram, ?overview=true): both
# stream, so neither may grow with the length.
for flags in "" "--overview"; do
  # shellcheck disable=SC2086  # $flags is one optional word
  if ! /usr/bin/time -v -o "$tmp/time.txt" "$earshot" analyze $flags "$wav" >"$tmp/result.json"; then
    echo "peak_rss: earshot analyze $flags failed:" >&2
    cat "$tmp/result.json" "$tmp/time.txt" >&2
    exit 2
  fi
  rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ {print $2}' "$tmp/time.txt")
  duration=$(grep -o '"duration":[0-9.]*' "$tmp/result.json" | cut -d: -f2)

  echo "run:             $earshot analyze ${flags:-(no flags)}"
  echo "audio analysed:  ${duration} s"
  echo "wall time:       ${wall} (h:mm:ss or m:ss; baseline 1x real time = 1:00:00)"
  echo "peak RSS:        ${rss_kib} KiB ($((rss_kib / 1024)) MiB); target < ${target_kib} KiB (64 MiB)"
  if [ "$rss_kib" -lt "$target_kib" ]; then
    echo "result:          target met"
  else
    echo "result:          TARGET MISSED"
    status=1
  fi
done
exit $status
