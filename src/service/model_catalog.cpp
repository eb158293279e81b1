#include "service/model_catalog.hpp"

#include <filesystem>

namespace earshot::service {
namespace {

// The registry of a bare installation: the built-in content model.
constexpr const char* kBuiltInRegistry =
    R"({"content": {"predictor": "content", "description": "Speech, music, noise or silence )"
    R"((earshot's built-in content model)."}})";

models::RegistrySettings settings_of(const Config& config) {
  models::RegistrySettings settings;
  settings.sample_rate = config.sample_rate;
  if (config.analysis_seconds > 0) settings.analysis_seconds = config.analysis_seconds;
  settings.default_model = config.default_model_name;
  settings.silence_threshold_dbfs = config.silence_threshold_dbfs;
  settings.model_threads = static_cast<unsigned>(config.model_threads);
  return settings;
}

}  // namespace

ModelCatalog::ModelCatalog(const Config& config)
    : config_(config), settings_(settings_of(config)) {}

core::Result<std::shared_ptr<ModelCatalog>> ModelCatalog::load(const Config& config) {
  std::shared_ptr<ModelCatalog> catalog(new ModelCatalog(config));
  auto registry = catalog->read();
  if (!registry) return registry.error();
  catalog->current_ = std::make_shared<const models::Registry>(std::move(*registry));
  return catalog;
}

core::Result<models::Registry> ModelCatalog::read() const {
  if (config_.models_config_json) {
    return models::Registry::load_json(config_.models_config_json->dump(),
                                       std::filesystem::current_path(), settings_);
  }
  const auto& path = config_.models_config_path;
  std::error_code ignored;
  if (path == kDefaultModelsConfigPath && !std::filesystem::exists(path, ignored)) {
    return models::Registry::load_json(kBuiltInRegistry, {}, settings_, "the built-in registry");
  }
  return models::Registry::load_file(path, settings_);
}

std::shared_ptr<const models::Registry> ModelCatalog::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

core::Result<std::shared_ptr<const models::Registry>> ModelCatalog::reload() {
  auto registry = read();  // outside the lock: loading reads files and may take a while
  if (!registry) return registry.error();
  auto fresh = std::make_shared<const models::Registry>(std::move(*registry));
  std::lock_guard lock(mutex_);
  current_ = fresh;
  return fresh;
}

}  // namespace earshot::service
