#include "analysis/content_scorer.hpp"

#include <algorithm>
#include <vector>

#include "analysis/content_cnn.hpp"
#include "dsp/content_log_mel.hpp"

namespace earshot::analysis {
namespace {

static_assert(kBandShapeSize == dsp::ContentLogMel::kBands);

// The shipped model: the CNN over each 1 s chunk's log-mel levels, whose band shape the
// classifier also needs (for the sustained-sound rule).
class ShippedContentScorer final : public ContentScorer {
 public:
  std::size_t chunk_samples() const override { return dsp::ContentLogMel::kWindowSamples; }

  ChunkScore score(std::span<const float> chunk) const override {
    thread_local std::vector<float> levels(dsp::ContentLogMel::kLevels);  // reused per thread
    dsp::ContentLogMel::instance().compute(chunk, levels);
    ChunkScore result{ContentCnn::shipped().predict(levels), std::array<float, kBandShapeSize>{}};
    dsp::ContentLogMel::band_shape(levels, *result.band_shape);
    return result;
  }
};

}  // namespace

const ContentScorer& ContentScorer::shipped() {
  static const ShippedContentScorer scorer;
  return scorer;
}

}  // namespace earshot::analysis
