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

// Probabilities and segment times are rounded for people: 4 and 2 decimals.
double rounded(double value, double scale) {
  return std::round(value * scale) / scale;
}

nlohmann::ordered_json overview_json(const AudioOverview& overview) {
  const WaveformEnvelope& waveform = overview.waveform;
  nlohmann::ordered_json min = nlohmann::ordered_json::array();
  nlohmann::ordered_json max = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < waveform.min.size(); ++i) {
    min.push_back(rounded(waveform.min[i], 10000.0));
    max.push_back(rounded(waveform.max[i], 10000.0));
  }
  const OverviewSpectrogram& spectrogram = overview.spectrogram;
  nlohmann::ordered_json levels = nlohmann::ordered_json::array();
  for (const auto& column : spectrogram.levels) levels.push_back(column);
  return {
      {"waveform", {{"seconds_per_point", waveform.seconds_per_point}, {"min", min}, {"max", max}}},
      {"spectrogram",
       {{"seconds_per_column", spectrogram.seconds_per_column},
        {"scale", "mel"},
        {"bands", kOverviewBands},
        {"max_hz", spectrogram.max_hz},
        {"range_db", spectrogram.range_db},
        {"levels", levels}}},
  };
}

}  // namespace

nlohmann::ordered_json to_json(const ContentSegment& segment) {
  nlohmann::ordered_json item{{"start", rounded(segment.start, 100.0)},
                              {"end", rounded(segment.end, 100.0)},
                              {"label", to_string(segment.label)}};
  if (segment.music_under_speech) item["background"] = "music";
  return item;
}

nlohmann::ordered_json to_json(const AnalysisResult& result) {
  const audio::AudioInfo& info = result.info;
  const dsp::SignalStats& stats = result.stats;
  nlohmann::ordered_json json{
      {"duration", rounded(info.duration_seconds, 100.0)},
      {"sample_rate", info.sample_rate},
      {"channels", info.channels},
  };
  if (result.content) {
    const ContentSummary& content = *result.content;
    json["classification"] = to_string(content.classification);
    nlohmann::ordered_json probabilities;
    for (std::size_t c = 0; c < kContentClassCount; ++c) {
      probabilities[std::string(to_string(static_cast<ContentClass>(c)))] =
          rounded(content.probabilities[c], 10000.0);
    }
    json["class_probabilities"] = std::move(probabilities);
  }
  json.update(nlohmann::ordered_json{
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
  });
  if (result.content) {
    nlohmann::ordered_json segments = nlohmann::ordered_json::array();
    for (const ContentSegment& segment : result.content->segments) {
      segments.push_back(to_json(segment));
    }
    json["segments"] = std::move(segments);
  }
  if (result.overview) json["overview"] = overview_json(*result.overview);
  return json;
}

}  // namespace earshot::analysis
