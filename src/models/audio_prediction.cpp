#include "models/audio_prediction.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "audio/mono_resampler.hpp"

namespace earshot::models {
namespace {

// Samples of the model's rate it reads: its max_seconds, or everything.
std::size_t samples_to_read(const ModelInfo& info) {
  constexpr auto kAll = std::numeric_limits<std::size_t>::max();
  if (!info.max_seconds) return kAll;
  const double samples = *info.max_seconds * info.sample_rate;
  return samples >= static_cast<double>(kAll / 2) ? kAll : static_cast<std::size_t>(samples);
}

core::Result<Prediction> predict_decoded(const Model& model, core::Result<audio::Decoder> opened) {
  if (!opened) return opened.error();
  audio::Decoder& decoder = *opened;
  const std::size_t keep = samples_to_read(model.info());
  auto stream = model.stream();
  // Created at the first block: only then is the stream's true format known (see Decoder).
  std::optional<audio::MonoResampler> resampler;
  std::vector<float> mono;  // one block at the model's rate, reused
  std::size_t fed = 0;
  const auto feed = [&]() -> core::Status {
    const std::size_t take = std::min(mono.size(), keep - fed);
    if (take == 0) return {};
    fed += take;
    return stream->add(std::span<const float>(mono).first(take));
  };
  // The resampler only hands out samples whose filter input is complete, so stopping here
  // gives the same first `keep` samples as decoding the whole file would.
  while (fed < keep) {
    auto block = decoder.next_block();
    if (!block) return block.error();
    mono.clear();
    if (block->empty()) {
      if (resampler) {
        if (auto flushed = resampler->flush(mono); !flushed) return flushed.error();
      }
      if (auto added = feed(); !added) return added.error();
      break;
    }
    if (!resampler) {
      auto created = audio::MonoResampler::create(decoder.info().sample_rate, block->channels,
                                                  model.info().sample_rate);
      if (!created) return created.error();
      resampler.emplace(std::move(*created));
    }
    if (auto pushed = resampler->push(*block, mono); !pushed) return pushed.error();
    if (auto added = feed(); !added) return added.error();
  }
  if (fed == 0) return core::Error{core::ErrorCode::invalid_input, "the audio holds no samples"};
  return stream->finish();
}

}  // namespace

core::Result<Prediction> predict_bytes(const Model& model, std::span<const std::uint8_t> bytes,
                                       const audio::DecodeLimits& limits) {
  return predict_decoded(model, audio::Decoder::open_memory(bytes, limits));
}

core::Result<Prediction> predict_file(const Model& model, const std::filesystem::path& path,
                                      const audio::DecodeLimits& limits) {
  return predict_decoded(model, audio::Decoder::open_file(path, limits));
}

}  // namespace earshot::models
