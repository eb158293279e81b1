#include "analysis/analyzer.hpp"

#include <optional>

namespace earshot::analysis {

core::Result<AnalysisResult> Analyzer::analyze_file(const std::filesystem::path& path) const {
  auto decoder = audio::Decoder::open_file(path, options_.limits);
  if (!decoder) return decoder.error();
  return analyze(*decoder);
}

core::Result<AnalysisResult> Analyzer::analyze_bytes(std::span<const std::uint8_t> bytes) const {
  auto decoder = audio::Decoder::open_memory(bytes, options_.limits);
  if (!decoder) return decoder.error();
  return analyze(*decoder);
}

core::Result<AnalysisResult> Analyzer::analyze(audio::Decoder& decoder) const {
  // Created at the first block, when the stream's true rate and channel count are known.
  std::optional<dsp::SignalStatsAccumulator> stats;
  while (true) {
    auto block = decoder.next_block();
    if (!block) return block.error();
    if (block->empty()) break;
    if (!stats) {
      auto created = dsp::SignalStatsAccumulator::create(decoder.info().sample_rate,
                                                         block->channels, options_.stats);
      if (!created) return created.error();
      stats.emplace(std::move(*created));
    }
    stats->add(block->samples);
  }
  return AnalysisResult{
      .info = decoder.info(),
      .stats = stats->finish(),
      .decode_errors = decoder.decode_errors(),
      .warnings = decoder.warnings(),
  };
}

}  // namespace earshot::analysis
