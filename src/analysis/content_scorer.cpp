#include "analysis/content_scorer.hpp"

#include <vector>

#include "analysis/content_model.hpp"
#include "dsp/content_features.hpp"

namespace earshot::analysis {
namespace {

// The shipped model: content-features-v1 of each 1 s chunk through the MLP.
class FeatureContentScorer final : public ContentScorer {
 public:
  std::size_t chunk_samples() const override { return dsp::ContentFeatures::kWindowSamples; }

  std::array<float, 3> score(std::span<const float> chunk) const override {
    thread_local std::vector<float> features(dsp::ContentFeatures::kSize);  // reused per thread
    dsp::ContentFeatures::instance().compute(chunk, features);
    return ContentModel::shipped().predict(features);
  }
};

}  // namespace

const ContentScorer& ContentScorer::shipped() {
  static const FeatureContentScorer scorer;
  return scorer;
}

}  // namespace earshot::analysis
