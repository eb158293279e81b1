#include "nn/attention.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <thread>

namespace earshot::nn {

SelfAttention::SelfAttention(Linear query, Linear key, Linear value, Linear output,
                             std::size_t heads)
    : query_(std::move(query)),
      key_(std::move(key)),
      value_(std::move(value)),
      output_(std::move(output)),
      hidden_(query_.inputs()),
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
  return SelfAttention(std::move(layers[0]), std::move(layers[1]), std::move(layers[2]),
                       std::move(layers[3]), heads);
}

void SelfAttention::attend_head(std::size_t head, std::size_t tokens, Workspace& work,
                                std::vector<float>& scores) const {
  const std::size_t d = hidden_ / heads_;
  const int n = static_cast<int>(tokens);
  const int ld = static_cast<int>(hidden_);  // a head's columns are a strided view of the rows
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const float* q = work.query.data() + head * d;
  const float* k = work.key.data() + head * d;
  const float* v = work.value.data() + head * d;
  scores.resize(tokens * tokens);
  // scores (tokens x tokens) = scale * q_h k_h^T
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, static_cast<int>(d), scale, q, ld, k,
              ld, 0.0f, scores.data(), n);
  for (std::size_t row = 0; row < tokens; ++row) {
    softmax(std::span(scores).subspan(row * tokens, tokens));
  }
  // context_h (tokens x d) = scores v_h, written into the head's columns of the context
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, static_cast<int>(d), n, 1.0f,
              scores.data(), n, v, ld, 0.0f, work.context.data() + head * d, ld);
}

void SelfAttention::forward(std::span<const float> x, std::size_t tokens, std::span<float> y,
                            Workspace& work, unsigned threads) const {
  const std::size_t size = tokens * hidden_;
  for (auto* buffer : {&work.query, &work.key, &work.value, &work.context}) buffer->resize(size);
  query_.forward_rows(x, tokens, work.query, threads);
  key_.forward_rows(x, tokens, work.key, threads);
  value_.forward_rows(x, tokens, work.value, threads);
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(heads_)));
  work.scores.resize(threads);
  if (threads == 1) {
    for (std::size_t head = 0; head < heads_; ++head) {
      attend_head(head, tokens, work, work.scores[0]);
    }
  } else {
    std::vector<std::jthread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (std::size_t head = t; head < heads_; head += threads) {
          attend_head(head, tokens, work, work.scores[t]);
        }
      });
    }
  }
  output_.forward_rows(work.context, tokens, y, threads);
}

}  // namespace earshot::nn
