// The Audio Spectrogram Transformer on one 10.24 s window (1024 x 128 input, 1214 tokens) at 1
// and 2 threads, with a full-size checkpoint of random weights made on demand (not committed):
//
//   tools/reference/ast_reference.py make-checkpoint /tmp/ast-full --size full
//   EARSHOT_AST_CHECKPOINT=/tmp/ast-full build/bench/bench_ast
//   tools/reference/ast_reference.py bench /tmp/ast-full --threads 1   # PyTorch, same machine
//
// Compared against: PyTorch running the same checkpoint (tools/reference/ast_reference.py
// bench); issue 7's target is earshot's time <= PyTorch's at 1 and 2 threads, and earshot's
// peak memory <= PyTorch's. peak_rss_mib is the process's peak after the runs.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "dsp/blas_threads.hpp"
#include "models/ast_model.hpp"

namespace {

using earshot::models::AstModel;

const AstModel* model() {
  static const AstModel* loaded = []() -> const AstModel* {
    const char* folder = std::getenv("EARSHOT_AST_CHECKPOINT");
    if (!folder) return nullptr;
    auto result = AstModel::load(folder);
    if (!result) {
      std::fprintf(stderr, "bench_ast: %s\n", result.error().message.c_str());
      return nullptr;
    }
    return new AstModel(std::move(*result));
  }();
  return loaded;
}

void ast_window(benchmark::State& state) {
  earshot::dsp::use_single_threaded_blas();
  const AstModel* ast = model();
  if (!ast) {
    state.SkipWithError("set EARSHOT_AST_CHECKPOINT to a checkpoint folder (see the header)");
    return;
  }
  const auto& config = ast->config();
  std::vector<float> input(config.max_length * config.num_mel_bins);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  for (auto& x : input) x = normal(rng);
  std::vector<float> logits(config.labels.size());
  AstModel::Workspace work;
  const auto threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    ast->forward(input, logits, work, threads);
    benchmark::DoNotOptimize(logits.data());
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_mib"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  state.SetLabel("ref: PyTorch via tools/reference/ast_reference.py bench, same checkpoint");
}

BENCHMARK(ast_window)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
