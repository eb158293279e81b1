#include "support/drain_decoder.hpp"

#include <algorithm>

namespace earshot::test {

core::Result<DrainedAudio> drain(audio::Decoder& decoder) {
  DrainedAudio out;
  while (true) {
    auto block = decoder.next_block();
    if (!block) return block.error();
    if (block->empty()) return out;
    out.channels = block->channels;
    out.samples.insert(out.samples.end(), block->samples.begin(), block->samples.end());
    out.largest_block_samples = std::max(out.largest_block_samples, block->samples.size());
    ++out.blocks;
  }
}

}  // namespace earshot::test
