// The model registry: every model a deployment serves, declared in JSON (models.json, or the
// MODELS_CONFIG_JSON text) and keyed by name. An entry:
//   "pump_v1": {"predictor": "xgboost_proba" | "linear_proba" | "content",
//               "model_path": "...", "scaler_path": "...", "label_encoder_path": "...",
//               "dropped_features_path": "...", "feature_extractor": "default",
//               "description": "...", "sample_rate": 16000, "analysis_seconds": 10}
// Paths are relative to the folder of the file (the working directory for inline JSON).
// feature_extractor "default" is earshot-features-v1; sample_rate and analysis_seconds default
// to the settings (SAMPLE_RATE, ANALYSIS_SECONDS). The "content" predictor is the built-in
// speech / music / noise / silence model and takes no paths. Feature predictors need
// model_path and label_encoder_path; the scaler and the dropped features are optional.
//
// Loading reads and checks everything (files exist and parse, feature names resolve, class
// counts agree) and fails on the first problem with a message naming the model and the field,
// so that a broken registry stops start-up (or a reload) instead of failing requests later.
//
//   auto registry = models::Registry::load_file("config/models.json", settings);
//   if (!registry) die(registry.error().message);
//   const Model* model = registry->find("pump_v1");   // nullptr when unknown
//
// Immutable once loaded and safe to share between threads; a reload builds a new Registry.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "models/model.hpp"

namespace earshot::models {

struct RegistrySettings {
  int sample_rate = 16000;                 // SAMPLE_RATE: feature models' default rate
  std::optional<double> analysis_seconds;  // ANALYSIS_SECONDS: none reads whole files
  std::string default_model;               // DEFAULT_MODEL_NAME; empty: the first declared
  double silence_threshold_dbfs = -50.0;   // for the content predictor
  unsigned model_threads = 0;              // MODEL_THREADS: ast models' threads; 0: each entry's
};

class Registry {
 public:
  static core::Result<Registry> load_file(const std::filesystem::path& path,
                                          const RegistrySettings& settings);
  // `source` names the JSON in messages ("MODELS_CONFIG_JSON").
  static core::Result<Registry> load_json(std::string_view text,
                                          const std::filesystem::path& base_dir,
                                          const RegistrySettings& settings,
                                          std::string_view source = "MODELS_CONFIG_JSON");

  const Model* find(std::string_view name) const;
  const Model& default_model() const { return *models_[default_index_]; }
  // In declaration order.
  const std::vector<std::shared_ptr<const Model>>& models() const { return models_; }
  // "a, b, c", for messages such as "Unknown model 'x'. Available: a, b, c".
  std::string names() const;

 private:
  std::vector<std::shared_ptr<const Model>> models_;
  std::size_t default_index_ = 0;
};

}  // namespace earshot::models
