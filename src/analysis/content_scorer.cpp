#include "analysis/content_scorer.hpp"

#include <algorithm>
#include <vector>

#include "analysis/content_cnn.hpp"
#include "dsp/content/content_log_mel.hpp"

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
    const ContentCnn& model = ContentCnn::shipped();
    ChunkScore result;
    result.probabilities = model.predict(levels, model.context() ? &result.embedding : nullptr);
    result.band_shape.emplace();
    dsp::ContentLogMel::band_shape(levels, *result.band_shape);
    return result;
  }

  const ContentContext* context() const override {
    const auto& context = ContentCnn::shipped().context();
    return context ? &*context : nullptr;
  }
};

}  // namespace

const ContentScorer& ContentScorer::shipped() {
  static const ShippedContentScorer scorer;
  return scorer;
}

}  // namespace earshot::analysis
