#include "dsp/spectral/fft.hpp"

#include <fftw3.h>

#include <cassert>
#include <map>
#include <mutex>
#include <new>
#include <utility>

namespace earshot::dsp {
namespace {

// FFTW's planner (plan creation and destruction) must not run on two threads at once.
std::mutex& planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace

FftBuffers::FftBuffers(int size) : size_(size) {
  input_ = fftwf_alloc_real(static_cast<std::size_t>(size));
  spectrum_ = reinterpret_cast<std::complex<float>*>(
      fftwf_alloc_complex(static_cast<std::size_t>(size / 2 + 1)));
  if (input_ == nullptr || spectrum_ == nullptr) {
    fftwf_free(input_);
    fftwf_free(spectrum_);
    throw std::bad_alloc();
  }
}

FftBuffers::FftBuffers(FftBuffers&& other) noexcept
    : size_(std::exchange(other.size_, 0)),
      input_(std::exchange(other.input_, nullptr)),
      spectrum_(std::exchange(other.spectrum_, nullptr)) {}

FftBuffers& FftBuffers::operator=(FftBuffers&& other) noexcept {
  std::swap(size_, other.size_);
  std::swap(input_, other.input_);
  std::swap(spectrum_, other.spectrum_);
  return *this;
}

FftBuffers::~FftBuffers() {
  fftwf_free(input_);
  fftwf_free(spectrum_);
}

std::shared_ptr<const RealFft> RealFft::get(int size) {
  assert(size >= 1);
  // The mutex is created first so that it is destroyed last, after the cached plans.
  std::mutex& mutex = planner_mutex();
  static std::map<int, std::shared_ptr<const RealFft>> cache;
  std::lock_guard lock(mutex);
  auto& entry = cache[size];
  if (!entry) {
    // Plan on scratch arrays with the same alignment FftBuffers guarantees. FFTW_ESTIMATE,
    // not FFTW_MEASURE: a measured plan can differ from process to process, and with it the
    // last bits of every feature, which would make results (and cached answers) vary between
    // runs. Measured plans were 15-20% faster on the mel benchmark (bench/README.md).
    FftBuffers scratch(size);
    fftwf_plan plan = fftwf_plan_dft_r2c_1d(
        size, scratch.input().data(), reinterpret_cast<fftwf_complex*>(scratch.spectrum().data()),
        FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
    if (plan == nullptr) throw std::bad_alloc();
    entry = std::make_shared<const RealFft>(Key{}, size, plan);
  }
  return entry;
}

RealFft::RealFft(Key, int size, void* plan) : size_(size), plan_(plan) {}

RealFft::~RealFft() {
  std::lock_guard lock(planner_mutex());
  fftwf_destroy_plan(static_cast<fftwf_plan>(plan_));
}

void RealFft::forward(FftBuffers& buffers) const {
  assert(buffers.size() == size_);
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(plan_), buffers.input().data(),
                        reinterpret_cast<fftwf_complex*>(buffers.spectrum().data()));
}

}  // namespace earshot::dsp
