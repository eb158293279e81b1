// Multi-head self-attention as a ViT/BERT layer computes it (transformers' ViTSelfAttention and
// ViTSelfOutput): q, k and v projections of every token, per head softmax(q k^T / sqrt(d)) v,
// the heads concatenated and projected by the output layer. Matrix products go to OpenBLAS
// (cblas_sgemm): q, k and v as one product with the three weights stacked (one pass over the
// tokens instead of three), then per head; the heads are independent and shared among the
// threads of nn::WorkerPool (no thread created per call).
//
//   auto attention = nn::SelfAttention::load(tensors, "encoder.layer.0.attention", 768, 12);
//   nn::SelfAttention::Workspace work;                    // reused from call to call
//   attention->forward(x, tokens, y, work, threads);      // x, y: tokens x hidden
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "nn/linear.hpp"
#include "nn/safetensors.hpp"

namespace earshot::nn {

class SelfAttention {
 public:
  // Scratch memory sized on first use and kept: no allocation per call once warm.
  struct Workspace {
    std::vector<float> projected;            // tokens x 3 hidden: q, k, v side by side
    std::vector<float> context;              // tokens x hidden
    std::vector<std::vector<float>> scores;  // one tokens x tokens matrix per thread
  };

  // "<prefix>.attention.{query,key,value}" and "<prefix>.output.dense" (weights and biases),
  // hidden x hidden each; `heads` must divide `hidden`. Errors name the tensor.
  static core::Result<SelfAttention> load(const SafeTensors& tensors, const std::string& prefix,
                                          std::size_t hidden, std::size_t heads);

  std::size_t hidden() const { return hidden_; }
  // x and y: tokens x hidden, distinct. `threads` >= 1 share the heads.
  void forward(std::span<const float> x, std::size_t tokens, std::span<float> y, Workspace& work,
               unsigned threads = 1) const;

 private:
  SelfAttention(Linear projection, Linear output, std::size_t heads);
  void attend_head(std::size_t head, std::size_t tokens, Workspace& work,
                   std::vector<float>& scores) const;

  Linear projection_;  // query, key and value stacked: 3 hidden x hidden
  Linear output_;
  std::size_t hidden_ = 0;
  std::size_t heads_ = 0;
};

}  // namespace earshot::nn
