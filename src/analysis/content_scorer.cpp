#include "analysis/content_scorer.hpp"

#include <algorithm>
#include <vector>

#include "analysis/content_model.hpp"
#include "dsp/content_features.hpp"

namespace earshot::analysis {
namespace {

static_assert(kBandShapeSize == dsp::ContentFeatures::kBands,
              "the band shape is content-features-v1's first block");

// The shipped model: content-features-v1 of each 1 s chunk through the MLP.
class FeatureContentScorer final : public ContentScorer {
 public:
  std::size_t chunk_samples() const override { return dsp::ContentFeatures::kWindowSamples; }

  ChunkScore score(std::span<const float> chunk) const override {
    thread_local std::vector<float> features(dsp::ContentFeatures::kSize);  // reused per thread
    dsp::ContentFeatures::instance().compute(chunk, features);
    ChunkScore result{ContentModel::shipped().predict(features),
                      std::array<float, kBandShapeSize>{}};
    std::copy_n(features.begin(), kBandShapeSize, result.band_shape->begin());
    return result;
  }
};

}  // namespace

const ContentScorer& ContentScorer::shipped() {
  static const FeatureContentScorer scorer;
  return scorer;
}

}  // namespace earshot::analysis
