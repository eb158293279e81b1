// libFuzzer target: arbitrary bytes through the whole analysis of an upload, exactly as the
// service will run it (Analyzer::analyze_bytes, then the JSON answer). Any input must give a
// result or an error value: a crash, leak, sanitizer report, uncaught exception or hang is a bug.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "analysis/analysis_result.hpp"
#include "analysis/analyzer.hpp"

namespace {

// Small limits keep each run short: a 64 KiB input can declare hours of audio (or decode to
// it, at a very low bit rate), and the fuzzer should spend its time on parsing, not on DSP.
// Content classification stays on (it sees whatever the decoder makes of the input), which is
// why the limit is 10 s of audio: ten windows of features and model per run at most.
earshot::analysis::AnalyzerOptions fuzz_options() {
  earshot::analysis::AnalyzerOptions options;
  options.limits.max_duration_seconds = 10.0;
  options.limits.max_decoded_samples = 10'000'000;
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const earshot::analysis::Analyzer analyzer(fuzz_options());
  const auto result = analyzer.analyze_bytes(std::span<const std::uint8_t>(data, size));
  if (result) {
    // Serialising checks that every string in the result (codec and container names, warnings
    // quoting FFmpeg) is one JSON can carry: the strict dump throws on invalid UTF-8, and an
    // uncaught exception aborts the run.
    static_cast<void>(earshot::analysis::to_json(*result).dump());
  }
  return 0;
}
