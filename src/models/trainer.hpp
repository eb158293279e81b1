// `earshot train`'s engine: a feature model from a folder of labelled audio, with no Python.
//
//   DATA/normal/*.wav, DATA/anomalous/*.flac, ...   one sub-folder per label (sorted by name)
//
// Every audio file is decoded to mono at `sample_rate`, cut to its first `max_seconds`, and
// turned into earshot-features-v1. Features that do not vary over the training files are
// dropped; the rest are standardised (StandardScaler over the training rows); an XGBoost
// classifier (multi:softprob) is trained through the C API. A stratified split holds out
// `validation_fraction` of each label's files, on which per-class precision and recall are
// measured. The result is exactly what the registry loads (registry.hpp):
//
//   auto trained = models::train_feature_model(options);      // reads, extracts, trains
//   if (trained) models::write_feature_model(*trained, "models/pump", "pump_v1");
//   // -> model.ubj, scaler.json, label_encoder.json, dropped_features.json, training.json and
//   //    models.json with the ready registry entry {"pump_v1": {...}}
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "models/artifacts.hpp"
#include "models/xgboost_booster.hpp"

namespace earshot::models {

struct TrainOptions {
  std::filesystem::path data_dir;
  int sample_rate = 16000;
  std::optional<double> max_seconds;  // none: whole files
  double validation_fraction = 0.2;   // of each label's files; 0 trains on everything
  XgboostTrainOptions xgboost;
  unsigned threads = 1;  // feature extraction
  std::uint64_t seed = 1;
  // Called once per file read (for a progress display); may be empty.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct ClassScore {
  std::string label;
  std::size_t support = 0;  // validation files of this label
  double precision = 0.0;
  double recall = 0.0;
};

struct TrainedFeatureModel {
  XgboostBooster booster;
  StandardScaler scaler;
  std::vector<std::string> labels;
  std::vector<std::string> dropped_features;
  int sample_rate = 16000;
  std::optional<double> max_seconds;
  std::size_t training_files = 0;
  std::size_t validation_files = 0;
  double validation_accuracy = 0.0;                 // NaN-free: 0 when there is no validation split
  std::vector<ClassScore> scores;                   // one per label, validation split
  std::vector<std::vector<std::size_t>> confusion;  // [truth][prediction], validation split
  std::vector<std::string> skipped;                 // files that could not be read, with the reason
};

// Errors: not_found (no folder), invalid_input (fewer than 2 labels, a label with no readable
// audio file, or too few files to split), and XGBoost's own.
core::Result<TrainedFeatureModel> train_feature_model(const TrainOptions& options);

// Writes the artifacts and OUT/models.json, {name: entry} with paths relative to OUT.
core::Status write_feature_model(const TrainedFeatureModel& model, const std::filesystem::path& out,
                                 const std::string& name);

}  // namespace earshot::models
