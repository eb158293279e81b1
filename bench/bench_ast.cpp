// The Audio Spectrogram Transformer on one 10.24 s window (1024 x 128 input, 1214 tokens) at 1
// and 2 threads, with a full-size checkpoint of random weights made on demand (not committed):
//
//   tools/reference/ast_reference.py make-checkpoint /tmp/ast-full --size full
//   EARSHOT_AST_CHECKPOINT=/tmp/ast-full build/bench/bench_ast --benchmark_filter=ast_window/1
//   tools/reference/ast_reference.py bench /tmp/ast-full --threads 1   # PyTorch, same machine
//
// Compared against: PyTorch running the same checkpoint on the same random input
// (tools/reference/ast_reference.py bench); the target is earshot's time <= PyTorch's at
// 1 and 2 threads, and earshot's peak memory <= PyTorch's. Run one thread count per process so
// that peak_rss_mib (the process's peak after the runs: load + runs) is that configuration's.
// bench/README.md has the figures and the exact commands.
//
// A second mode writes earshot's logits for a .npy input, to compare with the reference's
// (`ast_reference.py reference CHECKPOINT INPUT.npy OUT.npy`) on checkpoints too large to commit:
//
//   build/bench/bench_ast logits /tmp/ast-full input.npy earshot_logits.npy [threads]
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/npy.hpp"
#include "dsp/spectral/blas_threads.hpp"
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
  state.SetLabel("vs PyTorch: tools/reference/ast_reference.py bench CHECKPOINT --threads " +
                 std::to_string(threads));
}

BENCHMARK(ast_window)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

// bench_ast logits CHECKPOINT INPUT.npy OUTPUT.npy [threads]
int write_logits(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s logits CHECKPOINT INPUT.npy OUTPUT.npy [threads]\n", argv[0]);
    return 2;
  }
  earshot::dsp::use_single_threaded_blas();
  auto ast = AstModel::load(argv[2]);
  if (!ast) {
    std::fprintf(stderr, "%s\n", ast.error().message.c_str());
    return 1;
  }
  auto input = earshot::core::read_npy(argv[3]);
  if (!input) {
    std::fprintf(stderr, "%s\n", input.error().message.c_str());
    return 1;
  }
  const auto& config = ast->config();
  if (input->values.size() != config.max_length * config.num_mel_bins) {
    std::fprintf(stderr, "%s: expected %zu x %zu values (max_length x num_mel_bins)\n", argv[3],
                 config.max_length, config.num_mel_bins);
    return 1;
  }
  const auto threads = static_cast<unsigned>(argc > 5 ? std::atoi(argv[5]) : 1);
  std::vector<float> logits(config.labels.size());
  AstModel::Workspace work;
  ast->forward(input->values, logits, work, std::max(threads, 1u));
  std::ofstream out(argv[4], std::ios::binary);
  auto written = earshot::core::write_npy(out, logits, {logits.size()});
  if (!written || !out.flush()) {
    std::fprintf(stderr, "%s: cannot write\n", argv[4]);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "logits") return write_logits(argc, argv);
  std::printf(
      "Reference: PyTorch on the same checkpoint and input, one process per thread count:\n"
      "  tools/reference/ast_reference.py bench $EARSHOT_AST_CHECKPOINT --threads N\n"
      "Targets: earshot ms per window <= PyTorch's at 1 and 2 threads; "
      "peak_rss_mib <= PyTorch's peak RSS.\n");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
