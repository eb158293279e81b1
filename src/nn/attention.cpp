#include "nn/attention.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <span>

#include "nn/parallel.hpp"

namespace earshot::nn {

SelfAttention::SelfAttention(Linear projection, Linear output, std::size_t heads)
    : projection_(std::move(projection)),
      output_(std::move(output)),
      hidden_(output_.inputs()),
      heads_(heads) {}

core::Result<SelfAttention> SelfAttention::load(const SafeTensors& tensors,
                                                const std::string& prefix, std::size_t hidden,
                                                std::size_t heads) {
  if (heads == 0 || hidden % heads != 0) {
    return core::Error{core::ErrorCode::invalid_input, prefix + ": " + std::to_string(heads) +
                                                           " heads do not divide hidden size " +
                                                           std::to_string(hidden)};
  }
  std::vector<Linear> layers;
  for (const char* name :
       {".attention.query", ".attention.key", ".attention.value", ".output.dense"}) {
    auto layer = Linear::load(tensors, prefix + name);
    if (!layer) return layer.error();
    if (layer->inputs() != hidden || layer->outputs() != hidden) {
      return core::Error{core::ErrorCode::invalid_input,
                         "safetensors: tensor " + prefix + name + ".weight is not " +
                             std::to_string(hidden) + " x " + std::to_string(hidden)};
    }
    layers.push_back(std::move(*layer));
  }
  auto projection = Linear::stack(std::span(layers).first(3));
  return SelfAttention(std::move(projection), std::move(layers[3]), heads);
}

void SelfAttention::attend_head(std::size_t head, std::size_t tokens, Workspace& work,
                                std::vector<float>& scores) const {
  const std::size_t d = hidden_ / heads_;
  const int n = static_cast<int>(tokens);
  // A head's columns are a strided view of the rows: q, k and v of a token side by side.
  const int ld = static_cast<int>(3 * hidden_);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const float* q = work.projected.data() + head * d;
  const float* k = q + hidden_;
  const float* v = q + 2 * hidden_;
  scores.resize(tokens * tokens);
  // scores (tokens x tokens) = scale * q_h k_h^T
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, static_cast<int>(d), scale, q, ld, k,
              ld, 0.0f, scores.data(), n);
  for (std::size_t row = 0; row < tokens; ++row) {
    softmax(std::span(scores).subspan(row * tokens, tokens));
  }
  // context_h (tokens x d) = scores v_h, written into the head's columns of the context
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, static_cast<int>(d), n, 1.0f,
              scores.data(), n, v, ld, 0.0f, work.context.data() + head * d,
              static_cast<int>(hidden_));
}

void SelfAttention::forward(std::span<const float> x, std::size_t tokens, std::span<float> y,
                            Workspace& work, unsigned threads) const {
  work.projected.resize(tokens * 3 * hidden_);
  work.context.resize(tokens * hidden_);
  projection_.forward_rows(x, tokens, work.projected, threads);
  // Heads are dealt round-robin to a fixed number of blocks, each with its own scores matrix.
  const auto blocks = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(heads_)));
  if (work.scores.size() < blocks) work.scores.resize(blocks);
  WorkerPool::shared().run(blocks, blocks, [&](std::size_t block) {
    for (std::size_t head = block; head < heads_; head += blocks) {
      attend_head(head, tokens, work, work.scores[block]);
    }
  });
  output_.forward_rows(work.context, tokens, y, threads);
}

}  // namespace earshot::nn
