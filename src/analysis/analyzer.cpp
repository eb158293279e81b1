#include "analysis/analyzer.hpp"

#include <optional>
#include <vector>

#include "analysis/content_classifier.hpp"
#include "analysis/content_follower.hpp"
#include "audio/mono_resampler.hpp"
#include "dsp/content/content_log_mel.hpp"

namespace earshot::analysis {

core::Result<AnalysisResult> Analyzer::analyze_file(const std::filesystem::path& path,
                                                    const SegmentSink& on_segment) const {
  auto decoder = audio::Decoder::open_file(path, options_.limits);
  if (!decoder) return decoder.error();
  return analyze(*decoder, on_segment);
}

core::Result<AnalysisResult> Analyzer::analyze_bytes(std::span<const std::uint8_t> bytes) const {
  auto decoder = audio::Decoder::open_memory(bytes, options_.limits);
  if (!decoder) return decoder.error();
  return analyze(*decoder);
}

core::Result<AnalysisResult> Analyzer::analyze_stream(audio::StreamRead read,
                                                      audio::StreamFormat format,
                                                      const SegmentSink& on_segment) const {
  auto decoder = audio::Decoder::open_stream(std::move(read), std::move(format), options_.limits);
  if (!decoder) return decoder.error();
  return analyze(*decoder, on_segment);
}

core::Result<AnalysisResult> Analyzer::analyze(audio::Decoder& decoder,
                                               const SegmentSink& on_segment) const {
  // Created at the first block, when the stream's true rate and channel count are known.
  std::optional<dsp::SignalStatsAccumulator> stats;
  std::optional<audio::MonoResampler> resampler;
  std::optional<ContentClassifier> classifier;
  std::optional<ContentFollower> follower;  // instead of the classifier, with on_segment
  std::optional<OverviewBuilder> overview;
  std::vector<float> mono;  // one block at 16 kHz, reused
  const auto consume_mono = [&] {
    if (classifier) classifier->add(mono);
    if (follower) {
      for (const ContentSegment& segment : follower->add(mono)) on_segment(segment);
    }
    if (overview) overview->add(mono);
  };
  while (true) {
    auto block = decoder.next_block();
    if (!block) return block.error();
    if (block->empty()) break;
    if (!stats) {
      dsp::SignalStatsOptions stats_options = options_.stats;
      // A followed stream has no end to size its memory by.
      if (on_segment) stats_options.loudness_histogram = true;
      auto created = dsp::SignalStatsAccumulator::create(decoder.info().sample_rate,
                                                         block->channels, stats_options);
      if (!created) return created.error();
      stats.emplace(std::move(*created));
      static_assert(OverviewBuilder::kSampleRate == dsp::ContentLogMel::kSampleRate);
      if (options_.content.enabled || options_.overview.enabled) {
        auto mono_resampler = audio::MonoResampler::create(
            decoder.info().sample_rate, block->channels, dsp::ContentLogMel::kSampleRate);
        if (!mono_resampler) return mono_resampler.error();
        resampler.emplace(std::move(*mono_resampler));
      }
      if (options_.content.enabled) {
        const ContentScorer& scorer =
            options_.content.scorer ? *options_.content.scorer : ContentScorer::shipped();
        if (on_segment) {
          follower.emplace(scorer, options_.content.silence_threshold_dbfs);
        } else {
          classifier.emplace(scorer, options_.content.silence_threshold_dbfs);
        }
      }
      if (options_.overview.enabled) overview.emplace(options_.overview);
    }
    stats->add(block->samples);
    if (resampler) {
      mono.clear();
      if (auto pushed = resampler->push(*block, mono); !pushed) return pushed.error();
      consume_mono();
    }
  }
  AnalysisResult result{
      .info = decoder.info(),
      .stats = stats->finish(),
      .decode_errors = decoder.decode_errors(),
      .warnings = decoder.warnings(),
      .content = std::nullopt,
      .overview = std::nullopt,
  };
  if (resampler) {
    mono.clear();
    if (auto flushed = resampler->flush(mono); !flushed) return flushed.error();
    consume_mono();
  }
  if (classifier) result.content = classifier->finish(result.info.duration_seconds);
  if (follower) {
    for (const ContentSegment& segment : follower->finish(result.info.duration_seconds)) {
      on_segment(segment);
    }
    result.content = follower->summary();
  }
  if (overview) result.overview = overview->finish();
  return result;
}

}  // namespace earshot::analysis
