#include "models/xgboost_booster.hpp"

#include <xgboost/c_api.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/text.hpp"
#include "models/xgboost_model_bytes.hpp"

namespace earshot::models {
namespace {

using core::Error;
using core::ErrorCode;

// The array interface handed to XGBoost says "<f4": little-endian float32.
static_assert(std::endian::native == std::endian::little);

constexpr std::uintmax_t kMaxModelBytes = std::uintmax_t{1} << 30;

// Inplace prediction (XGBoosterPredictFromDense). "cache_id" is required by 1.7 although only
// 0 is accepted; strict_shape gives (rows, classes) for every objective.
constexpr const char* kPredictValues =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
    R"( "strict_shape": true, "cache_id": 0, "missing": NaN})";
constexpr const char* kPredictMargins =
    R"({"type": 1, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
    R"( "strict_shape": true, "cache_id": 0, "missing": NaN})";

Error invalid(std::string message) {
  return Error{ErrorCode::invalid_input, std::move(message)};
}

// XGBoost 1.7 keeps its log callback and its global configuration (verbosity) per thread, so
// every thread that calls into it is silenced once, on its first call.
void quiet_this_thread() {
  thread_local bool quiet = false;
  if (quiet) return;
  XGBRegisterLogCallback([](const char*) {});
  XGBSetGlobalConfig(R"({"verbosity": 0})");
  quiet = true;
}

// XGBGetLastError() reads "[12:00:00] ./src/learner.cc:42: Check failed: ...\nStack trace:...":
// keep the first line without its time stamp and source location.
std::string last_xgboost_error() {
  const char* raw = XGBGetLastError();
  std::string text = raw ? raw : "";
  text.erase(std::min(text.find('\n'), text.size()));
  if (text.starts_with('[')) {
    if (const auto end = text.find("] "); end != std::string::npos) text.erase(0, end + 2);
  }
  if (text.starts_with("./") || text.starts_with('/')) {
    if (const auto end = text.find(": "); end != std::string::npos) text.erase(0, end + 2);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text.empty() ? "XGBoost gave no reason" : text;
}

Error xgboost_error(ErrorCode code, const std::string& context) {
  return Error{code, context + ": " + last_xgboost_error()};
}

std::string format_double(double value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

// --- Handles -----------------------------------------------------------------------------------

struct MatrixDeleter {
  void operator()(void* matrix) const noexcept { XGDMatrixFree(matrix); }
};
using Matrix = std::unique_ptr<void, MatrixDeleter>;

// The model bytes in XGBoost's "json" or "ubj" encoding.
core::Result<std::vector<char>> serialize(BoosterHandle handle, const char* format) {
  const std::string config = std::string(R"({"format": ")") + format + "\"}";
  bst_ulong length = 0;
  const char* data = nullptr;
  if (XGBoosterSaveModelToBuffer(handle, config.c_str(), &length, &data) != 0) {
    return xgboost_error(ErrorCode::internal, "xgboost: saving the model failed");
  }
  // The buffer is XGBoost's per-thread scratch space: copy it before the next call.
  return std::vector<char>(data, data + length);
}

// The parameters the training options stand for.
std::vector<std::pair<std::string, std::string>> training_parameters(
    std::size_t class_count, const XgboostTrainOptions& options) {
  return {
      {"objective", "multi:softprob"},
      {"num_class", std::to_string(class_count)},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(options.max_depth)},
      {"eta", format_double(options.learning_rate)},
      {"subsample", format_double(options.subsample)},
      {"nthread", std::to_string(options.threads)},
      // XGBoost reads the seed as a signed 64-bit integer; the bits are kept.
      {"seed", std::to_string(static_cast<std::int64_t>(options.seed))},
  };
}

core::Status check_training_input(std::span<const float> rows, std::size_t row_count,
                                  std::size_t feature_count, std::span<const int> labels,
                                  std::size_t class_count, const XgboostTrainOptions& options) {
  const std::string where = "xgboost training: ";
  if (row_count == 0 || feature_count == 0) return invalid(where + "no rows or no features");
  if (row_count > std::numeric_limits<std::size_t>::max() / feature_count ||
      rows.size() != row_count * feature_count) {
    return invalid(where + std::to_string(row_count) + " rows of " + std::to_string(feature_count) +
                   " features need " + std::to_string(row_count * feature_count) + " values, got " +
                   std::to_string(rows.size()));
  }
  if (labels.size() != row_count) {
    return invalid(where + std::to_string(labels.size()) + " labels for " +
                   std::to_string(row_count) + " rows");
  }
  if (class_count < 2 || class_count > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return invalid(where + "class_count must be at least 2, got " + std::to_string(class_count));
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= class_count) {
      return invalid(where + "label " + std::to_string(labels[i]) + " of row " + std::to_string(i) +
                     " is outside [0, " + std::to_string(class_count) + ")");
    }
  }
  if (options.rounds < 1) return invalid(where + "rounds must be at least 1");
  if (options.max_depth < 1) return invalid(where + "max_depth must be at least 1");
  if (!(options.learning_rate > 0.0 && options.learning_rate <= 1.0)) {
    return invalid(where + "learning_rate must be in (0, 1]");
  }
  if (!(options.subsample > 0.0 && options.subsample <= 1.0)) {
    return invalid(where + "subsample must be in (0, 1]");
  }
  if (options.threads < 0) return invalid(where + "threads must be 0 (all) or more");
  return {};
}

// A fresh booster holding the model in `bytes`, which XGBoost may read (see
// checked_xgboost_model_bytes).
core::Result<void*> load_model_buffer(std::span<const std::uint8_t> bytes,
                                      const std::string& context) {
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(nullptr, 0, &handle) != 0) {
    return xgboost_error(ErrorCode::internal, context);
  }
  if (XGBoosterLoadModelFromBuffer(handle, bytes.data(), bytes.size()) != 0) {
    auto error = xgboost_error(ErrorCode::invalid_input, context);
    XGBoosterFree(handle);
    return error;
  }
  return handle;
}

}  // namespace

void XgboostBooster::HandleDeleter::operator()(void* handle) const noexcept {
  XGBoosterFree(handle);
}

XgboostBooster::XgboostBooster(Handle handle, std::size_t feature_count, std::size_t class_count,
                               Output output)
    : handle_(std::move(handle)),
      feature_count_(feature_count),
      class_count_(class_count),
      output_(output) {}

core::Result<XgboostBooster> XgboostBooster::load_file(const std::filesystem::path& path) {
  quiet_this_thread();
  const std::string name = path.string();
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Error{ErrorCode::not_found, "xgboost model: no file at " + name};
  }
  if (error) return Error{ErrorCode::io, "cannot read " + name + ": " + error.message()};
  if (!std::filesystem::is_regular_file(status)) return invalid(name + " is not a regular file");
  const auto size = std::filesystem::file_size(path, error);
  if (error) return Error{ErrorCode::io, "cannot read " + name + ": " + error.message()};
  if (size > kMaxModelBytes) return Error{ErrorCode::too_large, name + " is over 1 GiB"};

  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) return Error{ErrorCode::io, "cannot read " + name};

  auto checked = checked_xgboost_model_bytes(bytes);
  if (!checked) return Error{checked.error().code, name + ": " + checked.error().message};
  auto handle = load_model_buffer(*checked, name);
  if (!handle) return handle.error();
  return from_handle(Handle(*handle), name.c_str());
}

core::Result<XgboostBooster> XgboostBooster::load_bytes(std::span<const std::uint8_t> bytes) {
  quiet_this_thread();
  const std::string context = "xgboost model";
  auto checked = checked_xgboost_model_bytes(bytes);
  if (!checked) return Error{checked.error().code, context + ": " + checked.error().message};
  auto handle = load_model_buffer(*checked, context);
  if (!handle) return handle.error();
  return from_handle(Handle(*handle), context.c_str());
}

// Reads what the loaded model is (features, objective, classes) and readies it for prediction.
core::Result<XgboostBooster> XgboostBooster::from_handle(Handle handle, const char* context) {
  const std::string where = context;
  // Before the first configuration, so that the booster is configured once and then only read.
  if (XGBoosterSetParam(handle.get(), "nthread", "1") != 0) {
    return xgboost_error(ErrorCode::internal, where);
  }
  bst_ulong features = 0;
  if (XGBoosterGetNumFeature(handle.get(), &features) != 0) {
    return xgboost_error(ErrorCode::invalid_input, where);
  }
  bst_ulong length = 0;
  const char* text = nullptr;
  if (XGBoosterSaveJsonConfig(handle.get(), &length, &text) != 0) {
    return xgboost_error(ErrorCode::invalid_input, where);
  }
  const auto config = nlohmann::json::parse(text, text + length, nullptr, false);
  const auto learner = config.is_object() ? config.value("learner", nlohmann::json::object())
                                          : nlohmann::json::object();
  const auto string_at = [&](const char* pointer) {
    const auto at = nlohmann::json::json_pointer(pointer);
    return learner.contains(at) && learner[at].is_string() ? learner[at].get<std::string>() : "";
  };
  const std::string booster = string_at("/gradient_booster/name");
  const std::string objective = string_at("/objective/name");
  const std::string num_class = string_at("/learner_model_param/num_class");

  if (booster != "gbtree" && booster != "dart") {
    return invalid(where + ": booster '" + booster + "' is not a tree booster (gbtree or dart)");
  }
  if (features == 0) return invalid(where + ": the model has no features");
  Output output = Output::probabilities;
  std::size_t classes = 2;
  if (objective == "binary:logistic") {
    output = Output::positive_probability;
  } else if (objective == "multi:softprob" || objective == "multi:softmax") {
    output = objective == "multi:softprob" ? Output::probabilities : Output::margins;
    const auto parsed =
        std::from_chars(num_class.data(), num_class.data() + num_class.size(), classes);
    if (parsed.ec != std::errc{} || classes < 2) {
      return invalid(where + ": num_class '" + num_class + "' is not a class count");
    }
  } else {
    return invalid(where + ": objective '" + objective +
                   "' is not a classifier earshot reads (multi:softprob, multi:softmax, "
                   "binary:logistic)");
  }
  return XgboostBooster(std::move(handle), static_cast<std::size_t>(features), classes, output);
}

core::Result<XgboostBooster> XgboostBooster::train(std::span<const float> rows,
                                                   std::size_t row_count, std::size_t feature_count,
                                                   std::span<const int> labels,
                                                   std::size_t class_count,
                                                   const XgboostTrainOptions& options) {
  quiet_this_thread();
  if (auto bad = check_training_input(rows, row_count, feature_count, labels, class_count, options);
      !bad) {
    return bad.error();
  }
  const std::string where = "xgboost training";
  DMatrixHandle raw_matrix = nullptr;
  if (XGDMatrixCreateFromMat(rows.data(), row_count, feature_count,
                             std::numeric_limits<float>::quiet_NaN(), &raw_matrix) != 0) {
    return xgboost_error(ErrorCode::invalid_input, where);
  }
  const Matrix matrix(raw_matrix);
  const std::vector<float> float_labels(labels.begin(), labels.end());
  if (XGDMatrixSetFloatInfo(matrix.get(), "label", float_labels.data(), row_count) != 0) {
    return xgboost_error(ErrorCode::invalid_input, where);
  }
  BoosterHandle raw_booster = nullptr;
  const DMatrixHandle matrices[] = {matrix.get()};
  if (XGBoosterCreate(matrices, 1, &raw_booster) != 0) {
    return xgboost_error(ErrorCode::internal, where);
  }
  const Handle trainer(raw_booster);
  for (const auto& [key, value] : training_parameters(class_count, options)) {
    if (XGBoosterSetParam(trainer.get(), key.c_str(), value.c_str()) != 0) {
      return xgboost_error(ErrorCode::invalid_input, where);
    }
  }
  for (int round = 0; round < options.rounds; ++round) {
    if (XGBoosterUpdateOneIter(trainer.get(), round, matrix.get()) != 0) {
      return xgboost_error(ErrorCode::invalid_input, where);
    }
  }
  // Handed over through its serialised model, the booster carries no training state (the
  // matrix's prediction cache, the updaters) and behaves exactly as its saved file will.
  auto model = serialize(trainer.get(), "ubj");
  if (!model) return model.error();
  const auto bytes = std::as_bytes(std::span(*model));
  auto handle = load_model_buffer(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), where);
  if (!handle) return handle.error();
  return from_handle(Handle(*handle), where.c_str());
}

core::Result<std::vector<float>> XgboostBooster::predict_proba(std::span<const float> rows,
                                                               std::size_t row_count) const {
  quiet_this_thread();
  if (row_count > std::numeric_limits<std::size_t>::max() / feature_count_ ||
      rows.size() != row_count * feature_count_) {
    return invalid("xgboost: " + std::to_string(row_count) + " rows of " +
                   std::to_string(feature_count_) + " features need " +
                   std::to_string(row_count * feature_count_) + " values, got " +
                   std::to_string(rows.size()));
  }
  if (row_count == 0) return std::vector<float>{};

  char interface[192];
  std::snprintf(interface, sizeof interface,
                R"({"data": [%ju, true], "shape": [%zu, %zu], "typestr": "<f4", "version": 3})",
                static_cast<std::uintmax_t>(reinterpret_cast<std::uintptr_t>(rows.data())),
                row_count, feature_count_);
  const bst_ulong* shape = nullptr;
  bst_ulong dimensions = 0;
  const float* out = nullptr;
  const char* config = output_ == Output::margins ? kPredictMargins : kPredictValues;
  if (XGBoosterPredictFromDense(handle_.get(), interface, config, nullptr, &shape, &dimensions,
                                &out) != 0) {
    return xgboost_error(ErrorCode::internal, "xgboost prediction");
  }
  const std::size_t columns = output_ == Output::positive_probability ? 1 : class_count_;
  if (dimensions != 2 || shape[0] != row_count || shape[1] != columns) {
    return Error{ErrorCode::internal, "xgboost prediction: unexpected output shape"};
  }

  std::vector<float> probabilities(row_count * class_count_);
  if (output_ == Output::probabilities) {
    std::copy(out, out + probabilities.size(), probabilities.begin());
  } else if (output_ == Output::positive_probability) {
    for (std::size_t r = 0; r < row_count; ++r) {
      probabilities[2 * r] = 1.0f - out[r];
      probabilities[2 * r + 1] = out[r];
    }
  } else {  // margins: the softmax multi:softprob would have applied
    for (std::size_t r = 0; r < row_count; ++r) {
      const float* margin = out + r * columns;
      float* row = probabilities.data() + r * columns;
      const float top = *std::max_element(margin, margin + columns);
      float sum = 0.0f;
      for (std::size_t c = 0; c < columns; ++c) sum += row[c] = std::exp(margin[c] - top);
      for (std::size_t c = 0; c < columns; ++c) row[c] /= sum;
    }
  }
  return probabilities;
}

core::Status XgboostBooster::save_file(const std::filesystem::path& path) const {
  quiet_this_thread();
  const std::string extension = path.extension().string();
  const char* format = extension == ".json" ? "json" : extension == ".ubj" ? "ubj" : nullptr;
  if (!format) {
    return invalid("xgboost: a model file name ends in .json or .ubj, not " + path.string());
  }
  auto model = serialize(handle_.get(), format);
  if (!model) return model.error();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(model->data(), static_cast<std::streamsize>(model->size()));
  out.close();
  if (!out) return Error{ErrorCode::io, "cannot write " + path.string()};
  return {};
}

}  // namespace earshot::models
