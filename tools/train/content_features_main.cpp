// earshot-content-features: content-features-v1 (dsp/content/content_features.hpp) for every row of
// a float32 .npy array of 16 kHz windows, so that the training scripts (tools/train) learn from the
// very values earshot computes at inference.
//
//   earshot-content-features windows.npy features.npy [THREADS]
//   windows.npy: (N, 16000) float32      features.npy: (N, 203) float32
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/npy.hpp"
#include "dsp/content/content_features.hpp"

int main(int argc, char** argv) {
  using earshot::dsp::ContentFeatures;
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s windows.npy features.npy [THREADS]\n", argv[0]);
    return 2;
  }
  auto windows = earshot::core::read_npy(argv[1]);
  if (!windows) {
    std::fprintf(stderr, "%s: %s\n", argv[1], windows.error().message.c_str());
    return 1;
  }
  if (windows->shape.size() != 2 || windows->shape[1] != ContentFeatures::kWindowSamples) {
    std::fprintf(stderr, "%s: expected shape (N, %zu)\n", argv[1], ContentFeatures::kWindowSamples);
    return 1;
  }
  const std::size_t rows = windows->shape[0];
  const std::size_t width = ContentFeatures::kWindowSamples;
  std::vector<float> features(rows * ContentFeatures::kSize);
  const int threads = argc == 4
                          ? std::max(1, std::stoi(argv[3]))
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      const auto& extractor = ContentFeatures::instance();
      for (std::size_t row = next++; row < rows; row = next++) {
        extractor.compute(std::span<const float>(windows->values.data() + row * width, width),
                          std::span<float>(features.data() + row * ContentFeatures::kSize,
                                           ContentFeatures::kSize));
      }
    });
  }
  for (auto& thread : pool) thread.join();
  std::ofstream out(argv[2], std::ios::binary);
  if (!earshot::core::write_npy(out, features, {rows, ContentFeatures::kSize}) || !out) {
    std::fprintf(stderr, "%s: cannot write\n", argv[2]);
    return 1;
  }
  return 0;
}
