#include "analysis/analysis_result.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace earshot::analysis {
namespace {

// JSON has no infinity or NaN: a level that does not exist (the loudness of silence) is null.
nlohmann::ordered_json level(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

}  // namespace

nlohmann::ordered_json to_json(const AnalysisResult& result) {
  const audio::AudioInfo& info = result.info;
  const dsp::SignalStats& stats = result.stats;
  return {
      {"duration", std::round(info.duration_seconds * 100.0) / 100.0},
      {"sample_rate", info.sample_rate},
      {"channels", info.channels},
      {"codec", info.codec},
      {"container", info.container},
      {"bit_rate", info.bit_rate},
      {"loudness_lufs", level(stats.loudness_lufs)},
      {"true_peak_dbfs", level(stats.true_peak_dbfs)},
      {"peak_dbfs", level(stats.peak_dbfs)},
      {"rms_dbfs", level(stats.rms_dbfs)},
      {"silent_fraction", stats.silent_fraction},
      {"dc_offset", stats.dc_offset},
      {"clipped_ratio", stats.clipped_ratio},
      {"decode_errors", result.decode_errors},
      {"warnings", result.warnings},
  };
}

}  // namespace earshot::analysis
