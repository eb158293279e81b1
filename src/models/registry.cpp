#include "models/registry.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "dsp/descriptors/feature_vector.hpp"
#include "models/artifacts.hpp"
#include "models/ast_predictor.hpp"
#include "models/content_predictor.hpp"
#include "models/feature_model.hpp"
#include "models/probability_predictor.hpp"

namespace earshot::models {
namespace {

using core::Error;
using core::ErrorCode;
using nlohmann::ordered_json;

const std::set<std::string, std::less<>> kFields = {"predictor",
                                                    "model_path",
                                                    "scaler_path",
                                                    "label_encoder_path",
                                                    "dropped_features_path",
                                                    "feature_extractor",
                                                    "description",
                                                    "sample_rate",
                                                    "analysis_seconds",
                                                    "hop_seconds",
                                                    "threads",
                                                    "top_k"};

// Builds one model from its entry; errors are "<field>: <problem>" (the caller adds the model).
class EntryReader {
 public:
  EntryReader(const ordered_json& entry, const std::filesystem::path& base_dir,
              const RegistrySettings& settings)
      : entry_(entry), base_dir_(base_dir), settings_(settings) {}

  core::Result<std::shared_ptr<const Model>> read(const std::string& name) {
    if (!entry_.is_object()) return field_error("", "the entry must be a JSON object");
    for (const auto& [key, value] : entry_.items()) {
      if (!kFields.contains(key)) return field_error(key, "unknown field");
    }
    ModelInfo info;
    info.name = name;
    auto predictor = text("predictor", "");
    if (!predictor) return predictor.error();
    auto description = text("description", "");
    if (!description) return description.error();
    info.predictor = *predictor;
    info.description = *description;
    if (auto ok = read_input_settings(info); !ok) return ok.error();
    if (info.predictor == "content") {
      for (const char* field : {"model_path", "scaler_path", "label_encoder_path"}) {
        if (entry_.contains(field)) return field_error(field, "the content predictor takes none");
      }
      return std::shared_ptr<const Model>(
          std::make_shared<ContentPredictor>(std::move(info), settings_.silence_threshold_dbfs));
    }
    if (info.predictor == "xgboost_proba" || info.predictor == "linear_proba") {
      return read_feature_model(std::move(info));
    }
    if (info.predictor == "ast") return read_ast_model(std::move(info));
    return field_error("predictor", "must be xgboost_proba, linear_proba, content or ast, not '" +
                                        info.predictor + "'");
  }

 private:
  Error field_error(const std::string& field, const std::string& problem) const {
    return Error{ErrorCode::invalid_input, field.empty() ? problem : field + ": " + problem};
  }

  core::Result<std::string> text(const char* field, const std::string& fallback) const {
    if (!entry_.contains(field)) return fallback;
    if (!entry_[field].is_string()) return field_error(field, "must be a string");
    return entry_[field].get<std::string>();
  }

  // An artifact path, relative to the registry's folder; none when the field is absent.
  core::Result<std::optional<std::filesystem::path>> path(const char* field) const {
    auto value = text(field, "");
    if (!value) return value.error();
    if (value->empty()) return std::optional<std::filesystem::path>();
    const std::filesystem::path p(*value);
    return std::optional(p.is_absolute() ? p : base_dir_ / p);
  }

  core::Status read_input_settings(ModelInfo& info) const {
    info.sample_rate = settings_.sample_rate;
    info.max_seconds = settings_.analysis_seconds;
    if (entry_.contains("sample_rate")) {
      const auto& rate = entry_["sample_rate"];
      if (!rate.is_number_integer()) return field_error("sample_rate", "must be an integer");
      info.sample_rate = rate.get<int>();
    }
    if (entry_.contains("analysis_seconds")) {
      const auto& seconds = entry_["analysis_seconds"];
      if (!seconds.is_number() || !(seconds.get<double>() > 0.0) ||
          !std::isfinite(seconds.get<double>())) {
        return field_error("analysis_seconds", "must be a positive number");
      }
      info.max_seconds = seconds.get<double>();
    }
    return {};
  }

  // An AST checkpoint folder (config.json + model.safetensors) in model_path.
  core::Result<std::shared_ptr<const Model>> read_ast_model(ModelInfo info) const {
    auto folder = path("model_path");
    if (!folder) return folder.error();
    if (!*folder) return field_error("model_path", "is required for ast (the checkpoint folder)");
    // The AST reads the whole file, window after window; ANALYSIS_SECONDS is for the feature
    // models (an entry's own analysis_seconds still applies).
    if (!entry_.contains("analysis_seconds")) info.max_seconds.reset();
    AstPredictor::Options options;
    if (entry_.contains("hop_seconds")) {
      const auto& hop = entry_["hop_seconds"];
      if (!hop.is_number() || !(hop.get<double>() > 0.0) || hop.get<double>() > 3600.0) {
        return field_error("hop_seconds", "must be a positive number of seconds");
      }
      options.hop_seconds = hop.get<double>();
    }
    if (entry_.contains("threads")) {
      const auto& threads = entry_["threads"];
      if (!threads.is_number_integer() || threads.get<int>() < 1 || threads.get<int>() > 256) {
        return field_error("threads", "must be an integer from 1 to 256");
      }
      options.threads = threads.get<unsigned>();
    }
    if (entry_.contains("top_k")) {
      const auto& top_k = entry_["top_k"];
      if (!top_k.is_number_integer() || top_k.get<int>() < 1 || top_k.get<int>() > 1000) {
        return field_error("top_k", "must be an integer from 1 to 1000");
      }
      options.top_k = top_k.get<std::size_t>();
    }
    if (settings_.model_threads > 0) options.threads = settings_.model_threads;
    auto model = AstPredictor::load(std::move(info), **folder, options);
    if (!model) return field_error("model_path", model.error().message);
    return std::shared_ptr<const Model>(std::move(*model));
  }

  core::Result<std::shared_ptr<const Model>> read_feature_model(ModelInfo info) const {
    auto extractor = text("feature_extractor", "default");
    if (!extractor) return extractor.error();
    if (*extractor != "default" && *extractor != dsp::kFeatureSetName) {
      return field_error("feature_extractor", "must be \"default\" (" +
                                                  std::string(dsp::kFeatureSetName) + "), not '" +
                                                  *extractor + "'");
    }
    info.feature_extractor = std::string(dsp::kFeatureSetName);
    auto model_path = path("model_path");
    if (!model_path) return model_path.error();
    if (!*model_path) return field_error("model_path", "is required for " + info.predictor);
    auto predictor = info.predictor == "xgboost_proba" ? load_xgboost_predictor(**model_path)
                                                       : load_linear_predictor(**model_path);
    if (!predictor) return field_error("model_path", predictor.error().message);

    auto encoder_path = path("label_encoder_path");
    if (!encoder_path) return encoder_path.error();
    if (!*encoder_path)
      return field_error("label_encoder_path", "is required for " + info.predictor);
    auto labels = load_label_encoder(**encoder_path);
    if (!labels) return field_error("label_encoder_path", labels.error().message);
    info.labels = std::move(*labels);

    std::optional<StandardScaler> scaler;
    auto scaler_path = path("scaler_path");
    if (!scaler_path) return scaler_path.error();
    if (*scaler_path) {
      auto loaded = load_scaler(**scaler_path);
      if (!loaded) return field_error("scaler_path", loaded.error().message);
      scaler = std::move(*loaded);
    }
    std::vector<std::string> dropped;
    auto dropped_path = path("dropped_features_path");
    if (!dropped_path) return dropped_path.error();
    if (*dropped_path) {
      auto loaded = load_dropped_features(**dropped_path);
      if (!loaded) return field_error("dropped_features_path", loaded.error().message);
      dropped = std::move(*loaded);
    }
    auto model =
        FeatureModel::create(std::move(info), std::move(*predictor), std::move(scaler), dropped);
    if (!model) return model.error();
    return std::shared_ptr<const Model>(std::move(*model));
  }

  const ordered_json& entry_;
  const std::filesystem::path& base_dir_;
  const RegistrySettings& settings_;
};

}  // namespace

core::Result<Registry> Registry::load_file(const std::filesystem::path& path,
                                           const RegistrySettings& settings) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::not_found, path.string() + ": cannot open the model registry"};
  std::stringstream text;
  text << in.rdbuf();
  return load_json(text.str(), path.parent_path(), settings, path.string());
}

core::Result<Registry> Registry::load_json(std::string_view text,
                                           const std::filesystem::path& base_dir,
                                           const RegistrySettings& settings,
                                           std::string_view source) {
  const std::string where(source);
  const auto document = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return Error{ErrorCode::invalid_input, where + ": must be a JSON object of models by name"};
  }
  if (document.empty()) return Error{ErrorCode::invalid_input, where + ": declares no model"};
  Registry registry;
  for (const auto& [name, entry] : document.items()) {
    auto model = EntryReader(entry, base_dir, settings).read(name);
    if (!model) {
      return Error{model.error().code == ErrorCode::internal ? ErrorCode::internal
                                                             : ErrorCode::invalid_input,
                   where + ": model '" + name + "': " + model.error().message};
    }
    registry.models_.push_back(std::move(*model));
  }
  if (!settings.default_model.empty()) {
    const Model* chosen = registry.find(settings.default_model);
    if (!chosen) {
      return Error{ErrorCode::invalid_input, "DEFAULT_MODEL_NAME: '" + settings.default_model +
                                                 "' is not in " + where +
                                                 " (models: " + registry.names() + ")"};
    }
    for (std::size_t i = 0; i < registry.models_.size(); ++i) {
      if (registry.models_[i].get() == chosen) registry.default_index_ = i;
    }
  }
  return registry;
}

const Model* Registry::find(std::string_view name) const {
  for (const auto& model : models_) {
    if (model->info().name == name) return model.get();
  }
  return nullptr;
}

std::string Registry::names() const {
  std::string out;
  for (const auto& model : models_) out += (out.empty() ? "" : ", ") + model->info().name;
  return out;
}

}  // namespace earshot::models
