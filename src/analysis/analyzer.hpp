// The one place that turns audio into an AnalysisResult. The CLI, and later the HTTP routes and
// the job workers, all call it; none re-implements any part of it.
//
//   analysis::Analyzer analyzer;                       // default limits and options
//   auto result = analyzer.analyze_file("song.flac");  // or analyze_bytes(upload)
//   if (!result) report(result.error()); else print(analysis::to_json(*result));
//
// Each decoded block feeds the level statistics and, downmixed and resampled to 16 kHz, the
// content classifier (1 s windows; analysis/content_classifier.hpp), whose model is the shipped
// one unless ContentOptions names another scorer.
//
// An Analyzer holds only configuration: it is immutable after construction and safe to use
// from many threads at once. Memory per call is bounded by one decoded frame, one chunk of
// 16 kHz audio for the content scorer (1 s; 10 s for an AST) and the statistics' fixed state,
// plus about 30 bytes per second of input for the content timeline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>

#include "analysis/analysis_result.hpp"
#include "analysis/content_scorer.hpp"
#include "analysis/overview.hpp"
#include "audio/decoder.hpp"
#include "core/result.hpp"
#include "dsp/levels/signal_stats.hpp"

namespace earshot::analysis {

struct ContentOptions {
  bool enabled = true;                    // classify speech / music / noise / silence
  double silence_threshold_dbfs = -50.0;  // 1 s windows with a lower RMS are silence
  // Speech / music / noise of the non-silent windows; none: the shipped content model. Shared,
  // so that an Analyzer (and its copies) keep the model alive.
  std::shared_ptr<const ContentScorer> scorer;
};

struct AnalyzerOptions {
  audio::DecodeLimits limits;
  dsp::SignalStatsOptions stats;
  ContentOptions content;
  OverviewOptions overview;  // off by default: a waveform envelope and a spectrogram to draw
};

// Receives each content segment as it becomes final while a stream is followed.
using SegmentSink = std::function<void(const ContentSegment&)>;

class Analyzer {
 public:
  Analyzer() = default;
  explicit Analyzer(AnalyzerOptions options) : options_(options) {}

  // Errors are those of audio::Decoder::open_file and Decoder::next_block.
  // With `on_segment`, segments go to it as they become final, as for analyze_stream.
  core::Result<AnalysisResult> analyze_file(const std::filesystem::path& path,
                                            const SegmentSink& on_segment = {}) const;
  // `bytes` holds a whole encoded file (any supported container).
  core::Result<AnalysisResult> analyze_bytes(std::span<const std::uint8_t> bytes) const;
  // Audio read through `read` as it arrives (a pipe, a live stream; audio::Decoder::open_stream).
  // With `on_segment`, each content segment goes to it as soon as it is final
  // (content_follower.hpp) and memory stays flat however long the stream; the result's content
  // then has the class and probabilities but no segments. Without it, the result is the
  // whole-file one.
  core::Result<AnalysisResult> analyze_stream(audio::StreamRead read, audio::StreamFormat format,
                                              const SegmentSink& on_segment = {}) const;

  const AnalyzerOptions& options() const { return options_; }

 private:
  core::Result<AnalysisResult> analyze(audio::Decoder& decoder,
                                       const SegmentSink& on_segment = {}) const;

  AnalyzerOptions options_;
};

}  // namespace earshot::analysis
