// The SIMD maths that more than one layer uses, in one place: exp and erf over eight floats at a
// time (the nn layers' softmax and GELU) and a floored logarithm over a run of floats (the Kaldi
// filterbank). Everything is inline: each caller compiles it for its own target (nn's
// target_clones variants, dsp's loops), so there is nothing to link. Callers compile with
// -fopenmp-simd, which reads the `omp simd` hints without an OpenMP runtime.
#pragma once

#include <bit>
#include <cfloat>
#include <cstddef>
#include <cstdint>

namespace earshot::simd {

// Eight floats with GCC's (and clang's) vector extensions: explicit SIMD that does not depend on
// the optimisation level, lowered to SSE, AVX2 or AVX-512 by each target_clones variant of the
// caller (nn/linear.cpp).
// C-style casts between them reinterpret the bits, as the extension defines. Helpers take them
// by reference: a vector wider than SSE passed or returned by value changes the calling
// convention between target_clones variants, which GCC reports (-Wpsabi).
using Floats = float __attribute__((vector_size(32)));
using Ints = std::int32_t __attribute__((vector_size(32)));
constexpr std::size_t kWidth = 8;

[[gnu::always_inline]] inline void clamp(Floats& x, float low, float high) {
  const Floats lo = (Floats{} + low), hi = (Floats{} + high);
  const Ints below = x<lo, above = x> hi;
  Ints bits = (below & (Ints)lo) | (~below & (Ints)x);
  bits = (above & (Ints)hi) | (~above & bits);
  x = (Floats)bits;
}

// exp(x) as Cephes' expf computes it (range reduction by ln 2, degree-6 polynomial; about 1 ulp
// over the range). Below -87 it returns 0 (exp is at most 1.7e-38 there, so only a softmax
// over subnormals could tell), above 88 exp(88).
[[gnu::always_inline]] inline void exp_approx(Floats& x) {
  const Ints underflow = x < (Floats{} - 87.0f);
  clamp(x, -87.0f, 88.0f);
  Floats n = x * 1.44269504088896341f;
  n = (n + 12582912.0f) - 12582912.0f;  // round to nearest: 1.5 * 2^23 drops the fraction
  Floats r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  Floats p = (Floats{} + 1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const Ints exponent = ((__builtin_convertvector(n, Ints) + 127) << 23) & ~underflow;
  x = p * (Floats)exponent;
}

// erf(x) as a rational function of odd degree 13 over even degree 8, within about 1e-7 of erf
// on [-4, 4] and clamped outside it, where erf is +-1 to float precision (Eigen's float erf).
[[gnu::always_inline]] inline void erf_approx(Floats& x) {
  clamp(x, -4.0f, 4.0f);
  const Floats x2 = x * x;
  Floats p = (Floats{} + -2.72614225801306e-10f);
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  Floats q = (Floats{} + -1.45660718464996e-05f);
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  x = x * p / q;
}

// log(max(x, FLT_EPSILON)) over a run of values, vectorised: Cephes' logf polynomial
// (S. Moshier), within 1 ulp of the true logarithm (0.8 ulp measured over 1e-9 .. 1e12). libm's
// logf, called per value, was a quarter of the time with the AST settings (0.4 of 1.6 µs per
// frame). The range checks are integer operations on the bits (positive floats order like their
// bits), because a float comparison in this loop keeps g++ from vectorising it under the
// default -ftrapping-math. NaN stays NaN and +inf stays +inf, as torch.max and log leave them.
inline void log_with_floor(float* values, std::size_t count) {
  constexpr auto kEpsilonBits = std::bit_cast<std::int32_t>(FLT_EPSILON);
  constexpr auto kSqrtHalfBits = std::bit_cast<std::int32_t>(0.707106781186547524f);
  constexpr std::int32_t kInfinityBits = 0x7f800000;
#pragma omp simd
  for (std::size_t i = 0; i < count; ++i) {
    const auto raw = std::bit_cast<std::int32_t>(values[i]);
    const std::int32_t bits = raw > kEpsilonBits ? raw : kEpsilonBits;
    std::int32_t exponent = (bits >> 23) - 126;
    std::int32_t mantissa = (bits & 0x007fffff) | 0x3f000000;
    const std::int32_t low = mantissa < kSqrtHalfBits ? 1 : 0;
    exponent -= low;
    mantissa += low << 23;
    const float e = static_cast<float>(exponent);
    const float m = std::bit_cast<float>(mantissa) - 1.0f;
    const float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    y += -2.12194440e-4f * e;
    y += -0.5f * z;
    const auto log = std::bit_cast<std::int32_t>(m + y + 0.693359375f * e);
    // NaN and +inf pass through, selected with a mask: a conditional here would let the
    // compiler branch around the arithmetic above, and then not vectorise the loop.
    const std::int32_t pass =
        -static_cast<std::int32_t>(((raw & 0x7fffffff) > kInfinityBits) | (raw == kInfinityBits));
    values[i] = std::bit_cast<float>((raw & pass) | (log & ~pass));
  }
}

}  // namespace earshot::simd
