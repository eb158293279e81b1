// load_config: the layering of config.hpp, driven by one table that holds each variable's
// name, default, description and parser, so that `--help`, the docs and the parser cannot drift.
#include "service/config/config.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <thread>
#include <type_traits>

#include "core/text.hpp"
#include "service/config/env_file.hpp"
#include "service/redis/redis_endpoint.hpp"

namespace earshot::service {
namespace {

using core::Error;
using core::ErrorCode;

// Stores a value into the config, or returns why it is invalid ("must be ...").
using Setter = std::optional<std::string> (*)(Config&, std::string_view);

template <auto Member>
std::optional<std::string> set_string(Config& config, std::string_view value) {
  config.*Member = std::string(value);
  return std::nullopt;
}

template <auto Member>
std::optional<std::string> set_non_empty(Config& config, std::string_view value) {
  if (value.empty()) return "must not be empty";
  config.*Member = std::string(value);
  return std::nullopt;
}

// Integers (and std::chrono::seconds) within [Min, Max]; no sign, spaces or suffixes, so that
// "8080 " or "10s" is refused instead of half-read.
template <auto Member, std::int64_t Min, std::int64_t Max>
std::optional<std::string> set_int(Config& config, std::string_view value) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || n < Min ||
      n > Max) {
    return "must be an integer from " + std::to_string(Min) + " to " + std::to_string(Max);
  }
  using T = std::remove_reference_t<decltype(config.*Member)>;
  config.*Member = T(n);
  return std::nullopt;
}

std::optional<std::string> set_allow_private_urls(Config& config, std::string_view value) {
  const auto allowed = core::parse_bool(value);
  if (!allowed) return "must be one of " + std::string(core::bool_words());
  config.allow_private_urls = *allowed;
  return std::nullopt;
}

constexpr std::array kLogLevels = {LogLevel::trace,   LogLevel::debug, LogLevel::info,
                                   LogLevel::warning, LogLevel::error, LogLevel::critical};

std::optional<std::string> set_log_level(Config& config, std::string_view value) {
  // Python's logging names are upper case: accept both.
  const std::string v = core::ascii_lower(value);
  for (const LogLevel level : kLogLevels) {
    if (v == to_string(level)) {
      config.log_level = level;
      return std::nullopt;
    }
  }
  return "must be one of trace, debug, info, warning, error, critical";
}

std::optional<std::string> set_models_config_json(Config& config, std::string_view value) {
  if (value.empty()) {
    config.models_config_json.reset();
    return std::nullopt;
  }
  auto parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return "must be valid JSON (or empty to use MODELS_CONFIG_PATH)";
  config.models_config_json = std::move(parsed);
  return std::nullopt;
}

std::optional<std::string> set_redis_url(Config& config, std::string_view value) {
  if (!value.empty()) {
    auto parsed = parse_redis_url(value);
    if (!parsed)
      return "must be redis://[[user]:password@]host[:port][/db] (" + parsed.error().message + ")";
  }
  config.redis_url = std::string(value);
  return std::nullopt;
}

struct Entry {
  ConfigVariable variable;
  Setter set;
};

constexpr std::int64_t kMaxBytes = 1LL << 40;  // 1 TiB: a typo guard, not a policy

// clang-format off
constexpr std::array kEntries = {
  Entry{{"API_HOST", "0.0.0.0", "Address to listen on."},
        set_non_empty<&Config::api_host>},
  Entry{{"API_PORT", "8000", "TCP port to listen on (1-65535)."},
        set_int<&Config::api_port, 1, 65535>},
  Entry{{"API_TITLE", "earshot", "Service title shown in the API description."},
        set_string<&Config::api_title>},
  Entry{{"API_VERSION", kVersion, "Service version shown in the API description."},
        set_string<&Config::api_version>},
  Entry{{"LOG_LEVEL", "info", "trace, debug, info, warning, error or critical."},
        set_log_level},
  Entry{{"LOG_DIR", "", "Folder for the rotating earshot.log (10 MB x 5); stderr always."},
        set_string<&Config::log_dir>},
  Entry{{"REDIS_HOST", "", "Redis host for the result cache; empty uses an in-memory cache."},
        set_string<&Config::redis_host>},
  Entry{{"REDIS_PORT", "6379", "Redis port (1-65535)."},
        set_int<&Config::redis_port, 1, 65535>},
  Entry{{"REDIS_DB", "0", "Redis database number (0-2147483647)."},
        set_int<&Config::redis_db, 0, 2147483647>},
  Entry{{"REDIS_URL", "", "redis://[[user]:password@]host[:port][/db]; wins over REDIS_HOST/PORT/DB."},
        set_redis_url},
  Entry{{"REDIS_TIMEOUT_MS", "250", "Redis connect and command timeout (1-60000 ms)."},
        set_int<&Config::redis_timeout, 1, 60000>},
  Entry{{"CACHE_EXPIRATION_SECONDS", "3600", "Lifetime of a cached result (1-2147483647 s)."},
        set_int<&Config::cache_expiration, 1, 2147483647>},
  Entry{{"NEAR_CACHE_SECONDS", "30", "With Redis: recent results also kept in memory so long (0-86400 s; 0: off)."},
        set_int<&Config::near_cache, 0, 86400>},
  Entry{{"CACHE_MAX_ENTRIES", "10000", "In-memory cache: most results kept (1-100000000)."},
        set_int<&Config::cache_max_entries, 1, 100000000>},
  Entry{{"CACHE_MAX_BYTES", "268435456", "In-memory cache: most bytes kept (1-1099511627776)."},
        set_int<&Config::cache_max_bytes, 1, kMaxBytes>},
  Entry{{"CACHE_LOCK_SECONDS", "150", "Single flight: a computation's lock and longest wait (1-86400 s)."},
        set_int<&Config::cache_lock, 1, 86400>},
  Entry{{"MAX_ATTEMPTS", "3", "Tries of a job before it goes to the dead-letter stream (1-100)."},
        set_int<&Config::max_attempts, 1, 100>},
  Entry{{"JOB_VISIBILITY_TIMEOUT_SECONDS", "300", "A job held longer by a worker is reclaimed (1-86400 s)."},
        set_int<&Config::job_visibility_timeout, 1, 86400>},
  Entry{{"JOB_RETRY_BACKOFF_MS", "1000", "Wait before a failed job's 2nd try, doubling after (0-3600000 ms)."},
        set_int<&Config::job_retry_backoff, 0, 3600000>},
  Entry{{"JOB_TTL_SECONDS", "86400", "Lifetime of job records and results (1-2147483647 s)."},
        set_int<&Config::job_ttl, 1, 2147483647>},
  Entry{{"WORKER_JOBS", "1", "Jobs one worker (or serve without Redis) runs at once (1-256)."},
        set_int<&Config::worker_jobs, 1, 256>},
  Entry{{"DEFAULT_MODEL_NAME", "", "Model used when a request names none; empty: registry's."},
        set_string<&Config::default_model_name>},
  Entry{{"MODELS_CONFIG_PATH", "config/models.json", "Model registry file; when the default is absent, content model only."},
        set_string<&Config::models_config_path>},
  Entry{{"MODELS_CONFIG_JSON", "", "Inline registry JSON; when set it overrides the path."},
        set_models_config_json},
  Entry{{"SAMPLE_RATE", "16000", "Rate feature models read audio at (8000-48000 Hz)."},
        set_int<&Config::sample_rate, 8000, 48000>},
  Entry{{"ANALYSIS_SECONDS", "0", "Feature models read this many first seconds; 0: all (0-86400)."},
        set_int<&Config::analysis_seconds, 0, 86400>},
  Entry{{"SILENCE_THRESHOLD_DBFS", "-50", "Quieter 1 s windows are silence (-120 to 0 dBFS)."},
        set_int<&Config::silence_threshold_dbfs, -120, 0>},
  Entry{{"CONTENT_MODEL", "", "Registry model (content or ast) classifying analyses; empty: the shipped one."},
        set_string<&Config::content_model>},
  Entry{{"MODEL_THREADS", "0", "Threads one ast model prediction uses (0-256); 0: the entry's threads."},
        set_int<&Config::model_threads, 0, 256>},
  Entry{{"ALLOW_PRIVATE_URLS", "false", "Let URL downloads reach private/loopback addresses."},
        set_allow_private_urls},
  Entry{{"ALLOWED_NETWORKS", "", "Networks URL downloads may reach though private, e.g. 10.20.0.0/16, fd00::7."},
        set_string<&Config::allowed_networks>},
  Entry{{"MAX_DOWNLOAD_BYTES", "209715200", "Largest URL download (1-1099511627776 bytes)."},
        set_int<&Config::max_download_bytes, 1, kMaxBytes>},
  Entry{{"MAX_UPLOAD_BYTES", "209715200", "Largest request body (1-1099511627776 bytes)."},
        set_int<&Config::max_upload_bytes, 1, kMaxBytes>},
  Entry{{"DOWNLOAD_CONNECT_TIMEOUT_SECONDS", "10", "Connect timeout of a download (1-600 s)."},
        set_int<&Config::download_connect_timeout, 1, 600>},
  Entry{{"DOWNLOAD_TIMEOUT_SECONDS", "120", "Total time allowed for a download (1-86400 s)."},
        set_int<&Config::download_timeout, 1, 86400>},
  Entry{{"MAX_QUEUE", "64", "Analyses waiting for a worker before 503 (1-100000)."},
        set_int<&Config::max_queue, 1, 100000>},
  Entry{{"WORKER_THREADS", "0", "Analysis threads; 0 uses one per core (0-1024)."},
        set_int<&Config::worker_threads, 0, 1024>},
  Entry{{"REQUEST_TIMEOUT_SECONDS", "300", "Time allowed for one request (1-86400 s)."},
        set_int<&Config::request_timeout, 1, 86400>},
  Entry{{"SHUTDOWN_GRACE_SECONDS", "30", "Time to finish requests on shutdown (0-3600 s)."},
        set_int<&Config::shutdown_grace, 0, 3600>},
  Entry{{"MAX_CONNECTIONS", "1000", "Open client connections; more wait in the listen backlog (1-1000000)."},
        set_int<&Config::max_connections, 1, 1000000>},
  Entry{{"HEADER_TIMEOUT_SECONDS", "10", "Time to send a request's line and headers (1-3600 s)."},
        set_int<&Config::header_timeout, 1, 3600>},
  Entry{{"KEEP_ALIVE_TIMEOUT_SECONDS", "5", "An idle connection is closed after (1-3600 s)."},
        set_int<&Config::keep_alive_timeout, 1, 3600>},
  Entry{{"BODY_BUDGET_BYTES", "268435456", "Request bodies held at once, all clients; over it 503 (1-1099511627776)."},
        set_int<&Config::body_budget_bytes, 1, kMaxBytes>},
  Entry{{"MAX_JOB_RECORDS", "10000", "In-memory job records kept; oldest finished dropped first (1-100000000)."},
        set_int<&Config::max_job_records, 1, 100000000>},
  Entry{{"MAX_JOB_RECORD_BYTES", "67108864", "Bytes of in-memory job records kept (1-1099511627776)."},
        set_int<&Config::max_job_record_bytes, 1, kMaxBytes>},
  Entry{{"SWAGGER_UI_DIR", "", "swagger-ui-dist folder for /docs; empty: installed or source tree."},
        set_string<&Config::swagger_ui_dir>},
  Entry{{"MAX_STREAMS", "4", "Live streams followed at once (POST /streams); more get 503 (0-1000)."},
        set_int<&Config::max_streams, 0, 1000>},
  Entry{{"STREAM_MAX_SECONDS", "3600", "The longest a live stream is followed, and the default (1-604800 s)."},
        set_int<&Config::stream_max_seconds, 1, 604800>},
  Entry{{"STREAM_IDLE_TIMEOUT_SECONDS", "30", "A live stream whose source sends nothing this long ends (1-3600 s)."},
        set_int<&Config::stream_idle_timeout, 1, 3600>},
  Entry{{"WORKER_STREAMS", "4", "With Redis, live streams one `earshot worker` follows at once; 0: none (0-1000)."},
        set_int<&Config::worker_streams, 0, 1000>},
  Entry{{"STREAM_VISIBILITY_TIMEOUT_SECONDS", "30", "With Redis, a stream whose worker is silent this long moves to another worker (3-3600 s)."},
        set_int<&Config::stream_visibility_timeout, 3, 3600>},
};
// clang-format on

constexpr auto kVariables = [] {
  std::array<ConfigVariable, kEntries.size()> out{};
  for (std::size_t i = 0; i < kEntries.size(); ++i) out[i] = kEntries[i].variable;
  return out;
}();

const Entry* find_entry(std::string_view name) {
  for (const Entry& entry : kEntries) {
    if (entry.variable.name == name) return &entry;
  }
  return nullptr;
}

// The value that won for one variable, and the layer it came from (for error messages).
struct Chosen {
  std::string value;
  std::string origin;
};

std::string quoted_excerpt(std::string_view value) {
  constexpr std::size_t kMax = 60;  // inline JSON can be long; the start is enough to find it
  if (value.size() <= kMax) return "\"" + std::string(value) + "\"";
  return "\"" + std::string(value.substr(0, kMax)) + "...\"";
}

}  // namespace

std::optional<RedisEndpoint> Config::redis_endpoint() const {
  if (!redis_url.empty()) {
    auto parsed = parse_redis_url(redis_url);
    if (parsed) return *parsed;
    return std::nullopt;  // unreachable after load_config; a hand-made Config falls back
  }
  if (redis_host.empty()) return std::nullopt;
  RedisEndpoint endpoint;
  endpoint.host = redis_host;
  endpoint.port = redis_port;
  endpoint.db = redis_db;
  return endpoint;
}

int Config::effective_worker_threads() const {
  if (worker_threads > 0) return worker_threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::span<const ConfigVariable> config_variables() {
  return kVariables;
}

std::optional<std::string> ProcessEnv::get(const std::string& name) const {
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read only
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> MapEnv::get(const std::string& name) const {
  const auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

core::Result<Config> load_config(const EnvSource& env,
                                 const std::optional<std::filesystem::path>& env_file,
                                 const std::map<std::string, std::string>& flag_overrides) {
  std::map<std::string_view, Chosen> chosen;
  if (env_file) {
    auto vars = read_env_file(*env_file);
    if (!vars) return vars.error();
    for (const Entry& entry : kEntries) {
      const auto it = vars->find(entry.variable.name);
      if (it != vars->end()) chosen[entry.variable.name] = {it->second, env_file->string()};
    }
  }
  // The environment wins over `.env` (python-dotenv's override=False).
  for (const Entry& entry : kEntries) {
    if (auto value = env.get(std::string(entry.variable.name))) {
      chosen[entry.variable.name] = {std::move(*value), "the environment"};
    }
  }
  for (const auto& [name, value] : flag_overrides) {
    const Entry* entry = find_entry(name);
    if (entry == nullptr) {
      return Error{ErrorCode::invalid_input, "unknown configuration variable " + name};
    }
    chosen[entry->variable.name] = {value, "the command line"};
  }

  Config config;
  for (const Entry& entry : kEntries) {
    const auto it = chosen.find(entry.variable.name);
    if (it == chosen.end()) continue;
    if (auto problem = entry.set(config, it->second.value)) {
      return Error{ErrorCode::invalid_input, std::string(entry.variable.name) + "=" +
                                                 quoted_excerpt(it->second.value) + " (from " +
                                                 it->second.origin + ") " + *problem};
    }
  }
  return config;
}

}  // namespace earshot::service
