#include "models/trainer.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "audio/decode_all.hpp"
#include "dsp/descriptors/feature_vector.hpp"

namespace earshot::models {
namespace {

namespace fs = std::filesystem;
using core::Error;
using core::ErrorCode;

struct LabelledFile {
  fs::path path;
  int label = 0;
};

core::Result<std::vector<std::string>> find_labels(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return Error{ErrorCode::not_found, dir.string() + ": not a folder"};
  }
  std::vector<std::string> labels;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_directory()) labels.push_back(entry.path().filename().string());
  }
  std::sort(labels.begin(), labels.end());
  if (labels.size() < 2) {
    return Error{ErrorCode::invalid_input,
                 dir.string() + ": needs one sub-folder per label, at least two"};
  }
  return labels;
}

std::vector<LabelledFile> find_files(const fs::path& dir, const std::vector<std::string>& labels) {
  std::vector<LabelledFile> files;
  for (std::size_t label = 0; label < labels.size(); ++label) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::recursive_directory_iterator(dir / labels[label])) {
      if (entry.is_regular_file()) found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    for (auto& path : found) files.push_back({std::move(path), static_cast<int>(label)});
  }
  return files;
}

// earshot-features-v1 of every file, on `threads` threads; a file that cannot be read leaves
// an empty row and a reason.
std::vector<std::vector<float>> extract_all(const std::vector<LabelledFile>& files,
                                            const TrainOptions& options,
                                            const dsp::FeatureExtractor& extractor,
                                            std::vector<std::string>& skipped) {
  std::vector<std::vector<float>> rows(files.size());
  std::vector<std::string> reasons(files.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex progress_mutex;
  auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      auto decoded = audio::decode_file(files[i].path,
                                        {.target_sample_rate = options.sample_rate, .limits = {}});
      if (!decoded) {
        reasons[i] = decoded.error().message;
      } else {
        std::span<const float> mono(decoded->samples);
        if (options.max_seconds) {
          mono = mono.first(std::min(
              mono.size(), static_cast<std::size_t>(*options.max_seconds * options.sample_rate)));
        }
        auto features = extractor.compute(mono, options.sample_rate);
        if (features) {
          rows[i] = std::move(*features);
        } else {
          reasons[i] = features.error().message;
        }
      }
      if (options.progress) {
        std::lock_guard lock(progress_mutex);
        options.progress(++done, files.size());
      }
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < std::max(1u, options.threads); ++t) pool.emplace_back(work);
  work();
  pool.clear();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!reasons[i].empty()) skipped.push_back(files[i].path.string() + ": " + reasons[i]);
  }
  return rows;
}

// Which files validate: round(fraction × n) of each label's, at random but reproducibly (a
// Fisher-Yates shuffle on the engine's raw output, so every standard library agrees), and at
// least one file of each label stays for training.
std::vector<bool> stratified_split(const std::vector<int>& labels, std::size_t label_count,
                                   double fraction, std::uint64_t seed) {
  std::vector<bool> validation(labels.size(), false);
  std::mt19937_64 engine(seed);
  for (std::size_t label = 0; label < label_count; ++label) {
    std::vector<std::size_t> members;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == static_cast<int>(label)) members.push_back(i);
    }
    for (std::size_t i = members.size(); i > 1; --i)
      std::swap(members[i - 1], members[engine() % i]);
    auto count = static_cast<std::size_t>(std::lround(fraction * members.size()));
    if (fraction > 0.0 && members.size() >= 2) count = std::max<std::size_t>(count, 1);
    count = std::min(count, members.size() - 1);
    for (std::size_t i = 0; i < count; ++i) validation[members[i]] = true;
  }
  return validation;
}

// Mean and population deviation of each column over the training rows; constant columns are
// dropped (they cannot help, and a zero scale cannot be divided by).
void fit_scaler(const std::vector<std::vector<float>>& rows, const std::vector<bool>& use,
                StandardScaler& scaler, std::vector<std::string>& dropped,
                std::vector<std::size_t>& columns) {
  const auto names = dsp::feature_names();
  for (std::size_t c = 0; c < names.size(); ++c) {
    double sum = 0.0;
    double square = 0.0;
    std::size_t n = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (!use[r]) continue;
      sum += rows[r][c];
      square += static_cast<double>(rows[r][c]) * rows[r][c];
      ++n;
    }
    const double mean = sum / static_cast<double>(n);
    const double deviation =
        std::sqrt(std::max(0.0, square / static_cast<double>(n) - mean * mean));
    if (deviation <= 1e-9 * std::max(1.0, std::abs(mean))) {
      dropped.push_back(names[c]);
      continue;
    }
    columns.push_back(c);
    scaler.feature_names.push_back(names[c]);
    scaler.mean.push_back(mean);
    scaler.scale.push_back(deviation);
  }
}

std::vector<float> scaled_rows(const std::vector<std::vector<float>>& rows,
                               const std::vector<std::size_t>& which,
                               const std::vector<std::size_t>& columns,
                               const StandardScaler& scaler) {
  std::vector<float> out;
  out.reserve(which.size() * columns.size());
  for (const std::size_t r : which) {
    for (std::size_t k = 0; k < columns.size(); ++k) {
      out.push_back(static_cast<float>((rows[r][columns[k]] - scaler.mean[k]) / scaler.scale[k]));
    }
  }
  return out;
}

void score(TrainedFeatureModel& model, const std::vector<float>& probabilities,
           const std::vector<int>& truth) {
  const std::size_t classes = model.labels.size();
  model.confusion.assign(classes, std::vector<std::size_t>(classes, 0));
  std::size_t right = 0;
  for (std::size_t r = 0; r < truth.size(); ++r) {
    const auto* row = probabilities.data() + r * classes;
    const auto guess = static_cast<std::size_t>(std::max_element(row, row + classes) - row);
    ++model.confusion[static_cast<std::size_t>(truth[r])][guess];
    right += guess == static_cast<std::size_t>(truth[r]);
  }
  model.validation_accuracy = truth.empty() ? 0.0 : static_cast<double>(right) / truth.size();
  for (std::size_t c = 0; c < classes; ++c) {
    std::size_t support = 0;
    std::size_t predicted = 0;
    for (std::size_t k = 0; k < classes; ++k) {
      support += model.confusion[c][k];
      predicted += model.confusion[k][c];
    }
    const double hit = static_cast<double>(model.confusion[c][c]);
    model.scores.push_back({model.labels[c], support, predicted ? hit / predicted : 0.0,
                            support ? hit / support : 0.0});
  }
}

core::Status write_json(const fs::path& path, const nlohmann::ordered_json& value) {
  std::ofstream out(path, std::ios::binary);
  out << value.dump(2) << '\n';
  if (!out) return Error{ErrorCode::io, path.string() + ": cannot write"};
  return {};
}

}  // namespace

core::Result<TrainedFeatureModel> train_feature_model(const TrainOptions& options) {
  auto labels = find_labels(options.data_dir);
  if (!labels) return labels.error();
  auto extractor = dsp::FeatureExtractor::create(options.sample_rate);
  if (!extractor) return extractor.error();
  const auto files = find_files(options.data_dir, *labels);

  std::vector<std::string> skipped;
  auto rows = extract_all(files, options, *extractor, skipped);

  std::vector<int> truth;
  std::vector<std::vector<float>> readable;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (rows[i].empty()) continue;
    truth.push_back(files[i].label);
    readable.push_back(std::move(rows[i]));
  }
  for (std::size_t label = 0; label < labels->size(); ++label) {
    if (std::count(truth.begin(), truth.end(), static_cast<int>(label)) == 0) {
      return Error{ErrorCode::invalid_input,
                   "label '" + (*labels)[label] + "' has no readable audio file"};
    }
  }
  const auto validation =
      stratified_split(truth, labels->size(), options.validation_fraction, options.seed);
  std::vector<bool> training(validation.size());
  std::vector<std::size_t> train_rows, validation_rows;
  for (std::size_t r = 0; r < validation.size(); ++r) {
    training[r] = !validation[r];
    (validation[r] ? validation_rows : train_rows).push_back(r);
  }
  StandardScaler scaler;
  std::vector<std::string> dropped;
  std::vector<std::size_t> columns;
  fit_scaler(readable, training, scaler, dropped, columns);
  if (columns.empty()) return Error{ErrorCode::invalid_input, "no feature varies over the files"};

  std::vector<int> train_labels;
  for (const std::size_t r : train_rows) train_labels.push_back(truth[r]);
  auto xgboost = options.xgboost;
  xgboost.seed = options.seed;
  auto booster =
      XgboostBooster::train(scaled_rows(readable, train_rows, columns, scaler), train_rows.size(),
                            columns.size(), train_labels, labels->size(), xgboost);
  if (!booster) return booster.error();
  TrainedFeatureModel model{.booster = std::move(*booster),
                            .scaler = std::move(scaler),
                            .labels = *labels,
                            .dropped_features = std::move(dropped),
                            .sample_rate = options.sample_rate,
                            .max_seconds = options.max_seconds,
                            .training_files = train_rows.size(),
                            .validation_files = validation_rows.size(),
                            .validation_accuracy = 0.0,
                            .scores = {},
                            .confusion = {},
                            .skipped = std::move(skipped)};

  std::vector<int> validation_labels;
  for (const std::size_t r : validation_rows) validation_labels.push_back(truth[r]);
  std::vector<float> probabilities;
  if (!validation_rows.empty()) {
    auto predicted = model.booster.predict_proba(
        scaled_rows(readable, validation_rows, columns, model.scaler), validation_rows.size());
    if (!predicted) return predicted.error();
    probabilities = std::move(*predicted);
  }
  score(model, probabilities, validation_labels);
  return model;
}

core::Status write_feature_model(const TrainedFeatureModel& model, const fs::path& out,
                                 const std::string& name) {
  std::error_code error;
  fs::create_directories(out, error);
  if (error) return Error{ErrorCode::io, out.string() + ": " + error.message()};
  if (auto ok = model.booster.save_file(out / "model.json"); !ok) return ok;
  const auto& s = model.scaler;
  for (const auto& [file, value] :
       std::initializer_list<std::pair<const char*, nlohmann::ordered_json>>{
           {"scaler.json",
            {{"feature_names", s.feature_names}, {"mean", s.mean}, {"scale", s.scale}}},
           {"label_encoder.json", {{"classes", model.labels}}},
           {"dropped_features.json", model.dropped_features}}) {
    if (auto ok = write_json(out / file, value); !ok) return ok;
  }
  nlohmann::ordered_json scores = nlohmann::ordered_json::object();
  for (const auto& score : model.scores) {
    scores[score.label] = {
        {"support", score.support}, {"precision", score.precision}, {"recall", score.recall}};
  }
  if (auto ok =
          write_json(out / "training.json",
                     {{"training_files", model.training_files},
                      {"validation_files", model.validation_files},
                      {"validation_accuracy", model.validation_accuracy},
                      {"validation_scores", scores},
                      {"validation_confusion",
                       {{"rows", "truth"}, {"labels", model.labels}, {"matrix", model.confusion}}},
                      {"skipped_files", model.skipped}});
      !ok) {
    return ok;
  }
  nlohmann::ordered_json entry = {{"predictor", "xgboost_proba"},
                                  {"model_path", "model.json"},
                                  {"scaler_path", "scaler.json"},
                                  {"label_encoder_path", "label_encoder.json"},
                                  {"dropped_features_path", "dropped_features.json"},
                                  {"feature_extractor", "default"},
                                  {"sample_rate", model.sample_rate}};
  if (model.max_seconds) entry["analysis_seconds"] = *model.max_seconds;
  entry["description"] = "Trained by earshot train on " + std::to_string(model.training_files) +
                         " files (" + std::to_string(model.labels.size()) + " labels).";
  return write_json(out / "models.json", {{name, entry}});
}

}  // namespace earshot::models
