#include "service/pipeline/model_catalog.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "service/cache/cache_key.hpp"
#include "service/telemetry/service_log.hpp"

namespace earshot::service {
namespace {

// The registry of a bare installation: the built-in content model.
constexpr const char* kBuiltInRegistry =
    R"({"content": {"predictor": "content", "description": "Speech, music, noise or silence )"
    R"((earshot's built-in content model)."}})";

// Every string of the registry JSON that names an existing file (relative to `base`), with its
// size and modification time, so that a model file replaced in place changes the fingerprint.
void describe_files(const nlohmann::json& value, const std::filesystem::path& base,
                    std::string& out) {
  if (value.is_object() || value.is_array()) {
    for (const auto& item : value) describe_files(item, base, out);
    return;
  }
  if (!value.is_string()) return;
  std::error_code error;
  const std::filesystem::path path = base / value.get<std::string>();
  if (!std::filesystem::is_regular_file(path, error)) return;
  const auto size = std::filesystem::file_size(path, error);
  const auto modified = std::filesystem::last_write_time(path, error).time_since_epoch().count();
  out += "|" + path.string() + ":" + std::to_string(size) + ":" + std::to_string(modified);
}

std::string fingerprint_of(const std::string& text, const std::filesystem::path& base) {
  std::string described = text;
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded()) describe_files(json, base, described);
  return sha256_hex(described);
}

}  // namespace

core::Result<std::shared_ptr<ModelCatalog>> ModelCatalog::load(CatalogOptions options) {
  std::shared_ptr<ModelCatalog> catalog(new ModelCatalog(std::move(options)));
  auto loaded = catalog->read();
  if (!loaded) return loaded.error();
  catalog->current_ = std::make_shared<const models::Registry>(std::move(loaded->registry));
  catalog->fingerprint_ = std::move(loaded->fingerprint);
  return catalog;
}

core::Result<ModelCatalog::Loaded> ModelCatalog::read() const {
  std::string text;
  std::filesystem::path base;
  core::Result<models::Registry> registry = core::Error{core::ErrorCode::internal, ""};
  const auto& settings = options_.settings;
  if (options_.json) {
    text = options_.json->dump();
    base = std::filesystem::current_path();
    registry = models::Registry::load_json(text, base, settings);
  } else {
    const auto& path = options_.path;
    std::error_code ignored;
    if (options_.built_in_when_absent && !std::filesystem::exists(path, ignored)) {
      text = kBuiltInRegistry;
      registry = models::Registry::load_json(text, {}, settings, "the built-in registry");
    } else {
      registry = models::Registry::load_file(path, settings);
      std::ifstream in(path, std::ios::binary);
      std::ostringstream read;
      read << in.rdbuf();
      text = read.str();
      base = path.parent_path();
    }
  }
  if (!registry) return registry.error();
  return Loaded{std::move(*registry), fingerprint_of(text, base)};
}

std::string ModelCatalog::fingerprint() const {
  std::lock_guard lock(mutex_);
  return fingerprint_;
}

std::shared_ptr<const models::Registry> ModelCatalog::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

core::Result<std::shared_ptr<const models::Registry>> ModelCatalog::reload() {
  auto loaded = read();  // outside the lock: loading reads files and may take a while
  if (!loaded) return loaded.error();
  auto fresh = std::make_shared<const models::Registry>(std::move(loaded->registry));
  std::lock_guard lock(mutex_);
  current_ = fresh;
  fingerprint_ = std::move(loaded->fingerprint);
  return fresh;
}

core::Status reload_and_log(ModelCatalog& catalog, ServiceLog& log) {
  auto registry = catalog.reload();
  if (!registry) {
    log.message(LogLevel::error, "model registry not reloaded; the previous one serves",
                {{"error", registry.error().message}});
    return registry.error();
  }
  log.message(LogLevel::info, "model registry reloaded",
              {{"models", (*registry)->names()},
               {"default_model", (*registry)->default_model().info().name}});
  return {};
}

}  // namespace earshot::service
