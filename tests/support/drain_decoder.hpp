// Reads a Decoder to the end through its block API and keeps everything it delivered, for tests
// that compare decoded samples or inspect how the stream was cut into blocks.
#pragma once

#include <cstddef>
#include <vector>

#include "audio/decoder.hpp"
#include "core/result.hpp"

namespace earshot::test {

struct DrainedAudio {
  std::vector<float> samples;  // interleaved, as delivered
  int channels = 0;
  std::size_t blocks = 0;
  std::size_t largest_block_samples = 0;
  std::size_t frames() const { return channels > 0 ? samples.size() / channels : 0; }
};

// The first error next_block returns, or everything up to the end-of-stream block.
core::Result<DrainedAudio> drain(audio::Decoder& decoder);

}  // namespace earshot::test
