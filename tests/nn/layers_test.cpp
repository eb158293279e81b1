// The transformer layers of src/nn against naive loops written out here: layer norm, exact
// GELU, softmax, batched Linear, multi-head self-attention and the transposed patch embedding;
// that splitting the work over threads changes no value; and the worker pool behind it.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "nn/attention.hpp"
#include "nn/layer_norm.hpp"
#include "nn/linear.hpp"
#include "nn/parallel.hpp"
#include "nn/patch_embedding.hpp"
#include "support/tensor_file.hpp"

namespace earshot::nn {
namespace {

using test::TensorFile;

std::vector<float> random_values(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

void expect_near_all(const std::vector<float>& a, const std::vector<float>& b, float tolerance) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], tolerance) << "at " << i;
}

TEST(LayerNorm, NormalisesEachRowThenScalesAndShifts) {
  TensorFile file;
  file.add("n.weight", {4}, {1.0f, 2.0f, 0.5f, -1.0f});
  file.add("n.bias", {4}, {0.0f, 1.0f, 0.0f, 0.5f});
  auto norm = LayerNorm::load(file.load(), "n", 4, 1e-5);
  ASSERT_TRUE(norm.ok());
  std::vector<float> x = {1, 2, 3, 4, 10, 10, 10, 10};
  norm->forward_rows(x, 2, x);  // in place
  const double mean = 2.5, deviation = std::sqrt(1.25 + 1e-5);
  EXPECT_NEAR(x[0], (1 - mean) / deviation * 1.0, 1e-6);
  EXPECT_NEAR(x[1], (2 - mean) / deviation * 2.0 + 1.0, 1e-6);
  EXPECT_NEAR(x[3], (4 - mean) / deviation * -1.0 + 0.5, 1e-6);
  EXPECT_NEAR(x[4], 0.0, 1e-6);  // a constant row becomes the bias
  EXPECT_NEAR(x[5], 1.0, 1e-6);
  EXPECT_FALSE(LayerNorm::load(file.load(), "n", 5, 1e-5).ok());
}

TEST(Gelu, IsTheExactErfForm) {
  std::vector<float> x = {-3.0f, -1.0f, 0.0f, 0.5f, 2.0f};
  const auto input = x;
  gelu(x);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = input[i];
    EXPECT_NEAR(x[i], 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))), 1e-6);
  }
  EXPECT_NEAR(x[1], -0.15865525f, 1e-6);  // not the tanh approximation's -0.15880801
}

TEST(Gelu, IsWithinAMillionthOfTheExactFormEverywhere) {
  std::vector<float> x;
  for (double v = -12.0; v <= 12.0; v += 1e-3) x.push_back(static_cast<float>(v));
  x.push_back(-1e30f);
  x.push_back(1e30f);
  auto y = x;
  gelu(y);  // 24003 values: the vector body and a tail
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double exact = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    ASSERT_NEAR(y[i], exact, 1e-6 + 1e-7 * std::abs(exact)) << "x = " << x[i];
  }
}

// Relative error: 1e-6 from exp itself, plus what rounding x - max to float costs (as in any
// float softmax, PyTorch's included): half an ulp of |x - max| in the exponent.
TEST(Relu, IsMaxWithZeroEverywhereIncludingTheTailAndNaN) {
  // 19 values: two blocks of eight and a tail of three, as the vectorised loop splits them.
  std::vector<float> x = random_values(19, 9);
  x[3] = -0.0f;
  x[17] = NAN;
  auto expected = x;
  for (float& v : expected) v = std::max(v, 0.0f);
  relu(x);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(x[i])) << i;
    } else {
      EXPECT_EQ(x[i], expected[i]) << i;
      EXPECT_EQ(std::signbit(x[i]), std::signbit(expected[i])) << i;
    }
  }
}

TEST(Softmax, IsWithinAMillionthOfTheExactFormRelativelyPlusTheRoundingOfTheShift) {
  for (std::size_t n : {1u, 7u, 8u, 13u, 1214u}) {
    auto x = random_values(n, static_cast<unsigned>(n), 6.0f);
    x[0] = -200.0f;  // exp underflows: 0, as std::exp gives
    std::vector<double> exact(x.begin(), x.end());
    double top = -1e300, sum = 0.0;
    for (double v : exact) top = std::max(top, v);
    for (double& v : exact) sum += (v = std::exp(v - top));
    const auto input = x;
    softmax(x);
    for (std::size_t i = 0; i < n; ++i) {
      const double shift = std::abs(input[i] - top);
      const double relative = 1e-6 + 6e-8 * shift;
      ASSERT_NEAR(x[i], exact[i] / sum, relative * exact[i] / sum + 1e-37) << n << " at " << i;
    }
  }
}

TEST(WorkerPool, RunsEveryTaskOnceFromManyCallersAtOnce) {
  WorkerPool pool;
  std::vector<std::jthread> callers;
  std::vector<std::vector<int>> counts(4, std::vector<int>(100));
  for (std::size_t c = 0; c < counts.size(); ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round) {
        pool.run(counts[c].size(), 3, [&](std::size_t task) { ++counts[c][task]; });
      }
    });
  }
  callers.clear();
  for (const auto& count : counts) EXPECT_EQ(count, std::vector<int>(100, 50));
}

TEST(WorkerPool, AnExceptionReachesTheCallerAfterEveryWorkerHasLeft) {
  WorkerPool pool;
  for (unsigned threads : {1u, 2u, 4u}) {
    std::atomic<int> started = 0;
    EXPECT_THROW(pool.run(64, threads,
                          [&](std::size_t task) {
                            ++started;
                            if (task == 5) throw std::runtime_error("task 5");
                          }),
                 std::runtime_error)
        << threads;
    EXPECT_GE(started.load(), 6) << threads;
    // The pool is still usable.
    std::atomic<int> done = 0;
    pool.run(10, threads, [&](std::size_t) { ++done; });
    EXPECT_EQ(done.load(), 10) << threads;
  }
}

TEST(Linear, RowsAreTheSameAsOneAtATimeOnAnyThreadCount) {
  TensorFile file;
  file.add("l.weight", {5, 7}, random_values(35, 1));
  file.add("l.bias", {5}, random_values(5, 2));
  auto layer = Linear::load(file.load(), "l");
  ASSERT_TRUE(layer.ok());
  const auto x = random_values(9 * 7, 3);
  std::vector<float> one_by_one(9 * 5);
  for (std::size_t r = 0; r < 9; ++r) {
    layer->forward(std::span(x).subspan(r * 7, 7), std::span(one_by_one).subspan(r * 5, 5));
  }
  for (unsigned threads : {1u, 2u, 4u, 16u}) {
    std::vector<float> rows(9 * 5);
    layer->forward_rows(x, 9, rows, threads);
    expect_near_all(rows, one_by_one, 1e-5f);
  }
}

TEST(SelfAttention, MatchesANaiveImplementation) {
  constexpr std::size_t kTokens = 6, kHidden = 8, kHeads = 2, kDim = kHidden / kHeads;
  TensorFile file;
  std::vector<std::vector<float>> w, b;
  const char* names[] = {"a.attention.query", "a.attention.key", "a.attention.value",
                         "a.output.dense"};
  for (int i = 0; i < 4; ++i) {
    w.push_back(random_values(kHidden * kHidden, 10 + i, 0.5f));
    b.push_back(random_values(kHidden, 20 + i, 0.1f));
    file.add(std::string(names[i]) + ".weight", {kHidden, kHidden}, w.back());
    file.add(std::string(names[i]) + ".bias", {kHidden}, b.back());
  }
  auto attention = SelfAttention::load(file.load(), "a", kHidden, kHeads);
  ASSERT_TRUE(attention.ok()) << attention.error().message;
  const auto x = random_values(kTokens * kHidden, 5);

  auto project = [&](int which, const std::vector<float>& in) {
    std::vector<double> out(kTokens * kHidden);
    for (std::size_t t = 0; t < kTokens; ++t)
      for (std::size_t o = 0; o < kHidden; ++o) {
        double sum = b[which][o];
        for (std::size_t i = 0; i < kHidden; ++i)
          sum += w[which][o * kHidden + i] * in[t * kHidden + i];
        out[t * kHidden + o] = sum;
      }
    return out;
  };
  const auto q = project(0, x), k = project(1, x), v = project(2, x);
  std::vector<float> context(kTokens * kHidden);
  for (std::size_t h = 0; h < kHeads; ++h)
    for (std::size_t t = 0; t < kTokens; ++t) {
      std::vector<double> p(kTokens);
      double top = -1e300, sum = 0.0;
      for (std::size_t s = 0; s < kTokens; ++s) {
        double dot = 0.0;
        for (std::size_t d = 0; d < kDim; ++d)
          dot += q[t * kHidden + h * kDim + d] * k[s * kHidden + h * kDim + d];
        p[s] = dot / std::sqrt(double(kDim));
        top = std::max(top, p[s]);
      }
      for (auto& e : p) sum += (e = std::exp(e - top));
      for (std::size_t d = 0; d < kDim; ++d) {
        double c = 0.0;
        for (std::size_t s = 0; s < kTokens; ++s) c += p[s] / sum * v[s * kHidden + h * kDim + d];
        context[t * kHidden + h * kDim + d] = static_cast<float>(c);
      }
    }
  const auto expected = project(3, context);
  for (unsigned threads : {1u, 2u, 3u}) {
    SelfAttention::Workspace work;
    std::vector<float> y(kTokens * kHidden);
    attention->forward(x, kTokens, y, work, threads);
    for (std::size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-5) << i;
  }
  EXPECT_FALSE(SelfAttention::load(file.load(), "a", kHidden, 3).ok());  // 3 does not divide 8
  EXPECT_FALSE(SelfAttention::load(file.load(), "b", kHidden, kHeads).ok());
}

TEST(PatchEmbedding, IsAConvolutionOverTheTransposedInputWithFrequencyMajorTokens) {
  constexpr std::size_t kTime = 12, kFreq = 9, kPatch = 4, kHidden = 3;
  constexpr std::size_t kFreqStride = 2, kTimeStride = 3;
  TensorFile file;
  const auto weight = random_values(kHidden * kPatch * kPatch, 7);
  const auto bias = random_values(kHidden, 8);
  file.add("p.weight", {kHidden, 1, kPatch, kPatch}, weight);
  file.add("p.bias", {kHidden}, bias);
  auto patches = PatchEmbedding::load(file.load(), "p", kHidden, kPatch);
  ASSERT_TRUE(patches.ok());
  const auto input = random_values(kTime * kFreq, 9);  // time x freq
  const std::size_t fp = patches->patch_count(kFreq, kFreqStride);
  const std::size_t tp = patches->patch_count(kTime, kTimeStride);
  EXPECT_EQ(fp, 3u);
  EXPECT_EQ(tp, 3u);
  for (unsigned threads : {1u, 2u}) {
    std::vector<float> out(fp * tp * kHidden);
    std::vector<float> columns;
    patches->forward(input, kTime, kFreq, kFreqStride, kTimeStride, out, columns, threads);
    for (std::size_t f = 0; f < fp; ++f)
      for (std::size_t t = 0; t < tp; ++t)
        for (std::size_t o = 0; o < kHidden; ++o) {
          // image[freq][time] = input[time][freq]; Conv2d weight [o][0][i][j]
          double sum = bias[o];
          for (std::size_t i = 0; i < kPatch; ++i)
            for (std::size_t j = 0; j < kPatch; ++j)
              sum += weight[(o * kPatch + i) * kPatch + j] *
                     input[(t * kTimeStride + j) * kFreq + f * kFreqStride + i];
          ASSERT_NEAR(out[(f * tp + t) * kHidden + o], sum, 1e-5) << f << "," << t << "," << o;
        }
  }
  EXPECT_FALSE(PatchEmbedding::load(file.load(), "p", kHidden, 5).ok());
}

}  // namespace
}  // namespace earshot::nn
