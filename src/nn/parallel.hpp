// Splits `count` rows into one contiguous block per thread and runs `work(begin, end)` on
// each, the calling thread taking the first block. Rows are independent in every layer that
// uses it (a token's projection, normalisation, activation), so results do not depend on the
// thread count. BLAS itself stays single-threaded (dsp/blas_threads.hpp): earshot decides.
//
//   nn::for_each_block(tokens, threads, [&](std::size_t begin, std::size_t end) { ... });
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace earshot::nn {

template <class Work>
void for_each_block(std::size_t count, unsigned threads, const Work& work) {
  threads =
      static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(count, 1)));
  if (threads == 1) {
    work(std::size_t{0}, count);
    return;
  }
  const std::size_t block = (count + threads - 1) / threads;
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    const std::size_t begin = std::min(count, t * block);
    const std::size_t end = std::min(count, begin + block);
    if (begin < end) pool.emplace_back([&work, begin, end] { work(begin, end); });
  }
  work(std::size_t{0}, std::min(count, block));
}

}  // namespace earshot::nn
