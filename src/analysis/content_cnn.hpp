// The learned half of content classification: a small convolutional network over the log-mel
// levels of one non-silent 1 s window (content-log-mel-v1, dsp/content/content_log_mel.hpp) that
// gives the probabilities of speech, music and noise. The shipped network (models/content/, trained
// by tools/train from Debian packages; see its model card) is compiled into the binary, so earshot
// classifies out of the box with no file to find.
//
//   const auto& model = analysis::ContentCnn::shipped();
//   std::array<float, 3> p = model.predict(levels);   // speech, music, noise; sums to 1
//
// The network, fixed by the format (tools/train/compare_cnn.py trains it, export_cnn.py writes
// it):
//   input   (L - mean of L over the window) / 20: one channel, 101 frames x 64 bands, so the
//           window's gain is no cue;
//   conv.i  for i < n: 3x3 convolution, same padding, batch norm folded in, ReLU; 2x2 max
//           pooling after every one but the last;
//   pool    the mean and the maximum over time of each channel and band, in that order,
//           flattened channel-major ([mean | max] x channels x bands);
//   dense.j for j < m: fully connected, ReLU between; the last gives 3 logits, then softmax.
// File format: safetensors with metadata {"format": "earshot-content-cnn", "input":
// "content-log-mel-v1", "labels": "speech,music,noise", "convolutions": "<n>", "dense": "<m>",
// "version": ...}. A file may also hold a context layer over consecutive windows
// (content_context.hpp), which reads each window's embedding: the input of the last dense
// layer. Immutable; predict() is thread-safe and allocates nothing once warm (but for the
// embedding it is asked for).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/content_context.hpp"
#include "core/result.hpp"
#include "dsp/content/content_log_mel.hpp"
#include "nn/conv2d.hpp"
#include "nn/linear.hpp"
#include "nn/safetensors.hpp"

namespace earshot::analysis {

class ContentCnn {
 public:
  static constexpr std::size_t kFrames = dsp::ContentLogMel::kFrames;
  static constexpr std::size_t kBands = dsp::ContentLogMel::kBands;

  // The network compiled into earshot.
  static const ContentCnn& shipped();
  // Errors: invalid_input naming the tensor or metadata entry that is missing or inconsistent.
  static core::Result<ContentCnn> load(const nn::SafeTensors& tensors);

  const std::string& version() const { return version_; }
  // levels: kFrames x kBands dB values (time-major), as dsp::ContentLogMel gives them. With
  // `embedding`, also the window's embedding (embedding_size() values) for the context layer.
  std::array<float, 3> predict(std::span<const float> levels,
                               std::vector<float>* embedding = nullptr) const;
  std::size_t embedding_size() const { return dense_.back().inputs(); }
  // The context layer, when the file has one.
  const std::optional<ContentContext>& context() const { return context_; }
  // Multiply-adds of one predict(), for the model card and the benchmark.
  std::size_t multiply_adds() const;

 private:
  struct MapSize {
    std::size_t height = kFrames;
    std::size_t width = kBands;
  };

  std::string version_;
  std::vector<nn::Conv2d> convolutions_;
  // The size of the map each convolution reads (the input's, halved by every pooling before
  // it), and of the last one's output, which the head reads; set once by load().
  std::vector<MapSize> input_sizes_;
  MapSize head_size_;
  std::vector<nn::Linear> dense_;
  std::optional<ContentContext> context_;
};

}  // namespace earshot::analysis
