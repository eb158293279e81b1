#include "audio/decode_all.hpp"

#include <optional>

#include "audio/mono_resampler.hpp"

namespace earshot::audio {

core::Result<DecodedAudio> decode_all(Decoder& decoder, int target_sample_rate) {
  DecodedAudio result;
  // Created at the first block: only then is the stream's true format known (see Decoder).
  std::optional<MonoResampler> resampler;
  while (true) {
    auto block = decoder.next_block();
    if (!block) return block.error();
    if (block->empty()) break;
    if (!resampler) {
      const int input_rate = decoder.info().sample_rate;
      result.sample_rate = target_sample_rate > 0 ? target_sample_rate : input_rate;
      auto created = MonoResampler::create(input_rate, block->channels, result.sample_rate);
      if (!created) return created.error();
      resampler.emplace(std::move(*created));
    }
    if (auto pushed = resampler->push(*block, result.samples); !pushed) return pushed.error();
  }
  if (auto flushed = resampler->flush(result.samples); !flushed) return flushed.error();
  result.info = decoder.info();
  result.warnings = decoder.warnings();
  return result;
}

core::Result<DecodedAudio> decode_file(const std::filesystem::path& path, DecodeOptions options) {
  auto decoder = Decoder::open_file(path, options.limits);
  if (!decoder) return decoder.error();
  return decode_all(*decoder, options.target_sample_rate);
}

core::Result<DecodedAudio> decode_memory(std::span<const std::uint8_t> bytes,
                                         DecodeOptions options) {
  auto decoder = Decoder::open_memory(bytes, options.limits);
  if (!decoder) return decoder.error();
  return decode_all(*decoder, options.target_sample_rate);
}

}  // namespace earshot::audio
