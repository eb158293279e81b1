// Real-input FFT over FFTW3 (single precision). Plans are made once per size, under a mutex
// (FFTW's planner is not thread-safe), cached for the life of the process, and executed from
// any number of threads at once (FFTW's new-array execute functions are thread-safe).
//
//   auto fft = dsp::RealFft::get(2048);              // shared, immutable
//   dsp::FftBuffers buffers(fft->size());            // per thread / per request
//   std::copy(frame.begin(), frame.end(), buffers.input().begin());
//   fft->forward(buffers);                           // buffers.spectrum(): size/2 + 1 bins
#pragma once

#include <complex>
#include <memory>
#include <span>

namespace earshot::dsp {

// SIMD-aligned input and output arrays for one transform size. Not thread-safe: each thread
// or request owns its own; allocate once and reuse for every frame.
class FftBuffers {
 public:
  explicit FftBuffers(int size);
  FftBuffers(FftBuffers&&) noexcept;
  FftBuffers& operator=(FftBuffers&&) noexcept;
  ~FftBuffers();

  std::span<float> input() { return {input_, static_cast<std::size_t>(size_)}; }
  std::span<const std::complex<float>> spectrum() const {
    return {spectrum_, static_cast<std::size_t>(size_ / 2 + 1)};
  }
  std::span<std::complex<float>> spectrum() {
    return {spectrum_, static_cast<std::size_t>(size_ / 2 + 1)};
  }
  int size() const { return size_; }

 private:
  int size_ = 0;
  float* input_ = nullptr;                   // fftwf_malloc'd
  std::complex<float>* spectrum_ = nullptr;  // fftwf_malloc'd
};

class RealFft {
 public:
  // The shared transform for `size` (>= 1; any size, fastest for products of 2, 3, 5, 7).
  static std::shared_ptr<const RealFft> get(int size);

  // Only get() can make the key, so plans are never made outside the cache.
  struct Key {
   private:
    Key() = default;
    friend class RealFft;
  };
  RealFft(Key, int size, void* plan);
  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

  int size() const { return size_; }
  // buffers.spectrum() = DFT of buffers.input() (unnormalised, bins 0..size/2). The input
  // is left intact. `buffers.size()` must equal size().
  void forward(FftBuffers& buffers) const;

 private:
  int size_;
  void* plan_;  // fftwf_plan, opaque here so that users need not include fftw3.h
};

}  // namespace earshot::dsp
