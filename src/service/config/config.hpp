// service::Config: every setting of `earshot serve`, built once at start-up from four layers and
// then passed by const& (no globals). Later layers win:
//   defaults < `.env` file < process environment < command-line flags
// The variable names are a contract with the Python services earshot replaces; keep them.
//
//   auto env_file = flag_env_file ? flag_env_file : service::find_default_env_file(".");
//   auto config = service::load_config(service::ProcessEnv{}, env_file, {{"API_PORT", "9000"}});
//   if (!config) { print(config.error().message); return 2; }  // names variable and range
//   run_server(*config);
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "earshot/version.hpp"
#include "service/redis/redis_endpoint.hpp"
#include "service/telemetry/log_level.hpp"

namespace earshot::service {

// Where the model registry is read from when MODELS_CONFIG_PATH is not set. When that file is
// absent the service serves the built-in content model alone (model_catalog.hpp).
inline constexpr const char* kDefaultModelsConfigPath = "config/models.json";

struct Config {
  std::string api_host = "0.0.0.0";
  std::uint16_t api_port = 8000;
  std::string api_title = "earshot";
  std::string api_version = kVersion;
  LogLevel log_level = LogLevel::info;
  std::filesystem::path log_dir;  // empty: log to the console only
  std::string redis_host;         // empty (and no redis_url): in-memory cache and jobs
  std::uint16_t redis_port = 6379;
  int redis_db = 0;
  std::string redis_url;  // redis://[[user]:password@]host[:port][/db]; wins over the three above
  std::chrono::milliseconds redis_timeout{250};  // connect and command timeout
  std::chrono::seconds cache_expiration{3600};
  std::chrono::seconds near_cache{30};         // with Redis: this process's copies live so long
  std::int64_t cache_max_entries = 10000;      // in-memory cache
  std::int64_t cache_max_bytes = 256LL << 20;  // in-memory cache
  std::chrono::seconds cache_lock{150};        // single flight: lock lifetime and longest wait
  int max_attempts = 3;                        // a job's tries before the dead-letter stream
  std::chrono::seconds job_visibility_timeout{300};   // a job held longer is reclaimed
  std::chrono::milliseconds job_retry_backoff{1000};  // before the 2nd try; doubles each time
  std::chrono::seconds job_ttl{86400};                // how long job records and results live
  int worker_jobs = 1;  // jobs one `earshot worker` (or serve's in-process queue) runs at once
  std::string default_model_name;  // empty: the registry's own default
  std::filesystem::path models_config_path = kDefaultModelsConfigPath;
  // Parsed MODELS_CONFIG_JSON; when set it replaces the file at models_config_path.
  std::optional<nlohmann::json> models_config_json;
  int sample_rate = 16000;           // feature models of the registry read audio at this rate
  int analysis_seconds = 0;          // feature models read only the first seconds; 0: all
  int silence_threshold_dbfs = -50;  // content classification: quieter 1 s windows are silence
  // The registry model that classifies speech / music / noise in analyses (a content or an ast
  // model); empty: the shipped content model. Chosen at start-up; a reload does not change it.
  std::string content_model;
  int model_threads = 0;            // threads one ast prediction uses; 0: each registry entry's own
  bool allow_private_urls = false;  // let downloads reach private, loopback, link-local hosts
  std::string allowed_networks;     // networks downloads may reach whatever their class
  std::int64_t max_download_bytes = 200LL * 1024 * 1024;
  std::int64_t max_upload_bytes = 200LL * 1024 * 1024;
  std::chrono::seconds download_connect_timeout{10};
  std::chrono::seconds download_timeout{120};
  int max_queue = 64;
  int worker_threads = 0;  // 0: one per core; see effective_worker_threads()
  std::chrono::seconds request_timeout{300};
  std::chrono::seconds shutdown_grace{30};
  // Connections and request bodies: what one client, or many, may hold of the server.
  int max_connections = 1000;                    // open client connections; more wait in backlog
  std::chrono::seconds header_timeout{10};       // to read a request's line and headers
  std::chrono::seconds keep_alive_timeout{5};    // an idle connection between requests
  std::int64_t body_budget_bytes = 256LL << 20;  // request bodies held at once, all clients
  // In-memory job records (serve without Redis): finished ones beyond either cap go first.
  std::int64_t max_job_records = 10000;
  std::int64_t max_job_record_bytes = 64LL << 20;
  std::filesystem::path swagger_ui_dir;  // empty: look in the default places (api_docs.hpp)
  // Live streams followed (POST /streams).
  int max_streams = 4;                            // at once
  std::chrono::seconds stream_max_seconds{3600};  // the longest one runs, and its default
  std::chrono::seconds stream_idle_timeout{30};   // a source silent this long ends its stream
  int worker_streams = 4;  // with Redis: streams one `earshot worker` follows at once
  std::chrono::seconds stream_visibility_timeout{30};  // then a silent worker's stream moves

  // worker_threads with 0 resolved to the number of cores (at least 1).
  int effective_worker_threads() const;
  // REDIS_URL when set, else REDIS_HOST/REDIS_PORT/REDIS_DB when REDIS_HOST is set, else
  // nullopt. load_config has validated REDIS_URL already, so this does not fail.
  std::optional<RedisEndpoint> redis_endpoint() const;

  bool operator==(const Config&) const = default;
};

// One row of the variable table, for `earshot serve --help` and the docs.
struct ConfigVariable {
  std::string_view name;           // e.g. "API_PORT"
  std::string_view default_value;  // as text, e.g. "8000"; "" for empty
  std::string_view description;    // one line, including the valid range
};

// Every variable load_config reads, in a stable order.
std::span<const ConfigVariable> config_variables();

// Where the environment layer comes from; tests pass a MapEnv so that they never touch the real
// environment of the process.
class EnvSource {
 public:
  virtual ~EnvSource() = default;
  virtual std::optional<std::string> get(const std::string& name) const = 0;
};

// The process environment (getenv). Reading only, so safe to share between threads as long as
// nobody calls setenv concurrently.
class ProcessEnv final : public EnvSource {
 public:
  std::optional<std::string> get(const std::string& name) const override;
};

// A fixed set of variables.
class MapEnv final : public EnvSource {
 public:
  explicit MapEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  std::optional<std::string> get(const std::string& name) const override;

 private:
  std::map<std::string, std::string> vars_;
};

// Builds and validates the configuration.
//   env_file        nullopt: no `.env` layer. A path: that file is read and must exist (pass
//                   find_default_env_file(dir) for the optional implicit `.env`). Keys in it that
//                   are not configuration variables are ignored, as other tools share the file.
//   flag_overrides  variable name -> value from command-line flags; an unknown name is an error.
// Errors: invalid_input naming the variable, its value, where it came from and the valid range;
// not_found / io / invalid_input from reading the `.env` file.
core::Result<Config> load_config(const EnvSource& env,
                                 const std::optional<std::filesystem::path>& env_file,
                                 const std::map<std::string, std::string>& flag_overrides);

}  // namespace earshot::service
