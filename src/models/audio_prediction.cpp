#include "models/audio_prediction.hpp"

#include <algorithm>

#include "audio/decode_all.hpp"

namespace earshot::models {
namespace {

core::Result<Prediction> predict_decoded(const Model& model,
                                         core::Result<audio::DecodedAudio> decoded) {
  if (!decoded) return decoded.error();
  std::span<const float> mono(decoded->samples);
  if (const auto seconds = model.info().max_seconds) {
    const auto keep = static_cast<std::size_t>(*seconds * decoded->sample_rate);
    mono = mono.first(std::min(mono.size(), keep));
  }
  if (mono.empty())
    return core::Error{core::ErrorCode::invalid_input, "the audio holds no samples"};
  return model.predict(mono);
}

audio::DecodeOptions options_for(const Model& model, const audio::DecodeLimits& limits) {
  return {.target_sample_rate = model.info().sample_rate, .limits = limits};
}

}  // namespace

core::Result<Prediction> predict_bytes(const Model& model, std::span<const std::uint8_t> bytes,
                                       const audio::DecodeLimits& limits) {
  return predict_decoded(model, audio::decode_memory(bytes, options_for(model, limits)));
}

core::Result<Prediction> predict_file(const Model& model, const std::filesystem::path& path,
                                      const audio::DecodeLimits& limits) {
  return predict_decoded(model, audio::decode_file(path, options_for(model, limits)));
}

}  // namespace earshot::models
