// The default PredictionStream: the whole input held, then one predict().
#include "models/model.hpp"

namespace earshot::models {
namespace {

class HeldStream final : public PredictionStream {
 public:
  explicit HeldStream(const Model& model)
      : model_(model),
        limit_(static_cast<std::size_t>(kMaxHeldSeconds) *
               static_cast<std::size_t>(model.info().sample_rate)) {}

  core::Status add(std::span<const float> mono) override {
    if (mono.size() > limit_ - samples_.size()) {
      return core::Error{core::ErrorCode::too_large,
                         "model '" + model_.info().name + "' reads its input whole, at most " +
                             std::to_string(kMaxHeldSeconds) +
                             " s of it, and this audio is longer; give the model an "
                             "analysis_seconds to read only the start of long audio"};
    }
    // Reserved once, at the limit: pages count against memory only once written, and no
    // reallocation ever holds an old and a new copy at the same time.
    if (samples_.capacity() == 0) samples_.reserve(limit_);
    samples_.insert(samples_.end(), mono.begin(), mono.end());
    return {};
  }

  core::Result<Prediction> finish() override {
    if (samples_.empty()) {
      return core::Error{core::ErrorCode::invalid_input, "the audio holds no samples"};
    }
    return model_.predict(samples_);
  }

 private:
  const Model& model_;
  std::size_t limit_;
  std::vector<float> samples_;
};

}  // namespace

std::unique_ptr<PredictionStream> Model::stream() const {
  return std::make_unique<HeldStream>(*this);
}

}  // namespace earshot::models
