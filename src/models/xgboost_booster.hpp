// An XGBoost gradient-boosted tree classifier behind the C API (libxgboost 1.7): load a model
// file, predict class probabilities, train one from feature rows, save it as JSON or UBJSON.
//
//   auto booster = models::XgboostBooster::load_file("models/genre.ubj");
//   if (!booster) return booster.error();
//   // rows: row-major, booster->feature_count() floats per row; NaN means "missing".
//   auto probabilities = booster->predict_proba(rows, row_count);
//   if (!probabilities) return probabilities.error();  // a wrong row width names the count
//   // row r, class c: (*probabilities)[r * booster->class_count() + c]
//
//   auto trained = models::XgboostBooster::train(rows, row_count, feature_count, labels,
//                                                class_count, {.rounds = 100, .seed = 7});
//   if (!trained) return trained.error();
//   auto saved = trained->save_file("genre.json");  // .json or .ubj, nothing else
//
// Ownership and threads: the booster owns its XGBoost handle (move-only). Once built, it is
// immutable: predict_proba, save_file and the counts may be called from any number of threads
// at once on one booster, with no lock. XGBoost documents prediction as thread-safe for tree
// boosters since 1.4 ("Thread Safety" in doc/prediction.rst) as long as nothing changes the
// booster meanwhile, and nothing here does once it is built: the booster is configured before
// it is handed out, and saving only serialises it into XGBoost's per-thread buffer (read in
// XGBoost's c_api.cc; not a documented promise). Each prediction runs on the calling thread
// only (XGBoost's nthread = 1): earshot parallelises across requests, and an OpenMP team per
// call would oversubscribe the worker pool.
//
// Models: gbtree or dart boosters with the objective multi:softprob, multi:softmax (its
// margins are turned into probabilities) or binary:logistic (two classes: [1 - p, p]). Other
// objectives and gblinear are refused when loaded, as invalid_input.
//
// Failure: errors come back as core::Error; XGBoost's own console output is silenced. A model
// file is checked against corruption (garbage, truncation, absurd nesting) before XGBoost reads
// it, since XGBoost 1.7 reads past the end of a truncated UBJSON buffer. A file crafted to
// exhaust memory (a tree claiming a billion nodes) is not caught: model files are trusted
// configuration, not user input. The deprecated binary format is accepted, but only its
// header is checked first; prefer JSON or UBJSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace earshot::models {

struct XgboostTrainOptions {
  int rounds = 200;            // boosting rounds; each adds one tree per class
  int max_depth = 4;           // >= 1
  double learning_rate = 0.1;  // eta, in (0, 1]
  double subsample = 1.0;      // fraction of rows drawn per tree, in (0, 1]
  int threads = 0;             // training threads; 0: all cores
  std::uint64_t seed = 0;      // same seed, data and threads: the same model, byte for byte
};

class XgboostBooster {
 public:
  // A model in XGBoost's JSON, UBJSON or legacy binary format. The format is read from the
  // bytes, never from the file name. Errors: not_found (no file), io (unreadable), too_large
  // (over 1 GiB), invalid_input (corrupt, not a model, or an unsupported booster/objective;
  // the message carries XGBoost's own explanation where it has one).
  static core::Result<XgboostBooster> load_file(const std::filesystem::path& path);
  static core::Result<XgboostBooster> load_bytes(std::span<const std::uint8_t> bytes);

  // Trains a multi:softprob model (also for two classes, so that predict_proba always has one
  // column per class) on `row_count` dense rows of `feature_count` floats, with labels in
  // [0, class_count). tree_method is "hist". Errors (invalid_input): sizes that disagree,
  // a label out of range, fewer than two classes, an option out of range.
  static core::Result<XgboostBooster> train(std::span<const float> rows, std::size_t row_count,
                                            std::size_t feature_count, std::span<const int> labels,
                                            std::size_t class_count,
                                            const XgboostTrainOptions& options);

  std::size_t feature_count() const { return feature_count_; }
  std::size_t class_count() const { return class_count_; }

  // row_count × class_count() probabilities, row-major; each row sums to 1 (to float
  // rounding). `rows` must hold exactly row_count × feature_count() values (invalid_input
  // names the expected count otherwise); NaN marks a missing feature.
  core::Result<std::vector<float>> predict_proba(std::span<const float> rows,
                                                 std::size_t row_count) const;

  // Writes the model as JSON (name ends in .json) or UBJSON (.ubj); any other name is
  // invalid_input. The format is chosen here, not by XGBoost's own extension rules. io when
  // the file cannot be written.
  core::Status save_file(const std::filesystem::path& path) const;

 private:
  enum class Output { probabilities, margins, positive_probability };
  struct HandleDeleter {
    void operator()(void* handle) const noexcept;
  };
  using Handle = std::unique_ptr<void, HandleDeleter>;  // an XGBoost BoosterHandle

  XgboostBooster(Handle handle, std::size_t feature_count, std::size_t class_count, Output output);
  static core::Result<XgboostBooster> from_handle(Handle handle, const char* context);

  Handle handle_;
  std::size_t feature_count_ = 0;
  std::size_t class_count_ = 0;
  Output output_ = Output::probabilities;  // what XGBoost's prediction gives for this objective
};

}  // namespace earshot::models
