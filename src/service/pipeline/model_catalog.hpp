// The service's model registry, replaceable while requests run: POST /models/reload and SIGHUP
// re-read it, and a request keeps the registry it started with (a shared_ptr) however long it
// runs. A reload that fails leaves the old registry serving and returns the error.
//
// Where the registry comes from (CatalogOptions): inline JSON (MODELS_CONFIG_JSON) when set,
// else a file (MODELS_CONFIG_PATH). When that path is the default (config/models.json) and the
// file does not exist, the registry holds the built-in content model alone, so that a bare
// `earshot serve` works anywhere; a path that was set and is missing is an error.
//
//   auto catalog = service::ModelCatalog::load({.path = "config/models.json"});  // may fail
//   std::shared_ptr<const models::Registry> registry = catalog->current();
//   if (auto reloaded = catalog->reload(); !reloaded) log(reloaded.error().message);
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "models/registry.hpp"

namespace earshot::service {

class ServiceLog;

struct CatalogOptions {
  std::filesystem::path path;          // the registry file
  std::optional<nlohmann::json> json;  // when set, the registry itself (path is not read)
  bool built_in_when_absent = false;   // a missing file gives the built-in registry
  models::RegistrySettings settings;   // sample rate, default model, threads, ...
};

class ModelCatalog {
 public:
  static core::Result<std::shared_ptr<ModelCatalog>> load(CatalogOptions options);

  std::shared_ptr<const models::Registry> current() const;
  // Re-reads the registry from its source; on success it serves from now on.
  core::Result<std::shared_ptr<const models::Registry>> reload();

  // Names the current registry's content: a SHA-256 over its JSON and the size and
  // modification time of every file it names. Part of the cache key of every result a registry
  // model computes, so replacing a model file (or its entry) never serves a stale result.
  std::string fingerprint() const;

 private:
  struct Loaded {
    models::Registry registry;
    std::string fingerprint;
  };
  explicit ModelCatalog(CatalogOptions options) : options_(std::move(options)) {}
  core::Result<Loaded> read() const;

  CatalogOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<const models::Registry> current_;
  std::string fingerprint_;
};

// What SIGHUP does in `earshot serve` and `earshot worker`: reloads `catalog` and logs the
// outcome in one line ("model registry reloaded" with the models and the default, or "model
// registry not reloaded; the previous one serves" with the error, which is also returned).
core::Status reload_and_log(ModelCatalog& catalog, ServiceLog& log);

}  // namespace earshot::service
