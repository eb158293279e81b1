// OpenBLAS thread policy. Debian's OpenBLAS is the pthreads build: left alone, one large
// cblas_sgemm call spreads over every core, which fights earshot's own parallelism (one
// request per pool thread) and oversubscribes the machine. Every dsp type that calls BLAS asks
// for single-threaded BLAS when it is configured.
//
//   dsp::use_single_threaded_blas();   // idempotent, cheap after the first call
#pragma once

namespace earshot::dsp {

// Sets OpenBLAS to one thread for the whole process, once (std::call_once); each BLAS call then
// runs on its caller's thread. Safe to call from any thread, any number of times.
void use_single_threaded_blas();

}  // namespace earshot::dsp
