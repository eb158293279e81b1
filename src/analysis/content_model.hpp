// The learned half of content classification: a small multi-layer perceptron over
// content-features-v1 (dsp/content_features.hpp) that gives the probabilities of speech, music
// and noise for one non-silent 1 s window. The shipped model (models/content/, trained by
// tools/train from Debian packages; see its model card) is compiled into the binary, so earshot
// classifies out of the box with no file to find.
//
//   const auto& model = analysis::ContentModel::shipped();
//   std::array<float, 3> p = model.predict(features);   // speech, music, noise; sums to 1
//
// File format: safetensors with metadata {"format": "earshot-content-mlp", "features":
// "content-features-v1", "labels": "speech,music,noise", "layers": "<n>", "version": ...} and
// tensors scaler.mean and scaler.scale (StandardScaler: (x - mean) / scale) and layers.<i>.weight
// / .bias for i < n, with ReLU between layers. Immutable; predict() is thread-safe.
#pragma once

#include <array>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "nn/linear.hpp"
#include "nn/safetensors.hpp"

namespace earshot::analysis {

class ContentModel {
 public:
  // The model compiled into earshot (a build without one does not link).
  static const ContentModel& shipped();
  // Errors: invalid_input naming the tensor or metadata entry that is missing or inconsistent.
  static core::Result<ContentModel> load(const nn::SafeTensors& tensors);

  const std::string& version() const { return version_; }
  std::array<float, 3> predict(std::span<const float> features) const;

 private:
  std::string version_;
  std::vector<float> mean_;
  std::vector<float> scale_;
  std::vector<nn::Linear> layers_;
};

}  // namespace earshot::analysis
