// service::Config: defaults, the layer order (defaults < .env < environment < flags), and
// refusal of every invalid value with a message naming the variable and the valid range.
#include "service/config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "earshot/version.hpp"
#include "service/config/env_file.hpp"
#include "service/redis/redis_endpoint.hpp"
#include "support/test_files.hpp"

namespace earshot::service {
namespace {

using ::testing::HasSubstr;
using Vars = std::map<std::string, std::string>;

core::Result<Config> load(const Vars& env, const Vars& flags = {}) {
  return load_config(MapEnv{env}, std::nullopt, flags);
}

TEST(Config, DefaultsMatchThePythonServices) {
  const auto config = load({});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_host, "0.0.0.0");
  EXPECT_EQ(config->api_port, 8000);
  EXPECT_EQ(config->api_title, "earshot");
  EXPECT_EQ(config->api_version, kVersion);
  EXPECT_EQ(config->log_level, LogLevel::info);
  EXPECT_TRUE(config->log_dir.empty());
  EXPECT_TRUE(config->redis_host.empty());
  EXPECT_EQ(config->redis_port, 6379);
  EXPECT_EQ(config->cache_expiration, std::chrono::seconds(3600));
  EXPECT_TRUE(config->default_model_name.empty());
  EXPECT_EQ(config->models_config_path, "config/models.json");
  EXPECT_EQ(config->analysis_seconds, 0);
  EXPECT_FALSE(config->models_config_json.has_value());
  EXPECT_EQ(config->sample_rate, 16000);
  EXPECT_FALSE(config->allow_private_urls);
  EXPECT_EQ(config->max_download_bytes, 200 * 1024 * 1024);
  EXPECT_EQ(config->max_upload_bytes, 200 * 1024 * 1024);
  EXPECT_EQ(config->download_connect_timeout, std::chrono::seconds(10));
  EXPECT_EQ(config->download_timeout, std::chrono::seconds(120));
  EXPECT_EQ(config->max_queue, 64);
  EXPECT_EQ(config->worker_threads, 0);
  EXPECT_GE(config->effective_worker_threads(), 1);
  EXPECT_EQ(config->request_timeout, std::chrono::seconds(300));
  EXPECT_EQ(config->shutdown_grace, std::chrono::seconds(30));
}

// The table's default text is what --help shows; it must be what the struct really uses.
TEST(Config, TableDefaultsAreTheRealDefaults) {
  Vars all;
  for (const ConfigVariable& v : config_variables()) all[std::string(v.name)] = v.default_value;
  const auto from_table = load(all);
  ASSERT_TRUE(from_table.ok()) << from_table.error().message;
  EXPECT_EQ(*from_table, Config{});
}

TEST(Config, RedisUrlIsParsedAndWinsOverHostAndPort) {
  const MapEnv env{
      {{"REDIS_HOST", "ignored"}, {"REDIS_URL", "redis://:s%40cret@cache.internal:6380/2"}}};
  auto config = load_config(env, std::nullopt, {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  const auto endpoint = config->redis_endpoint();
  ASSERT_TRUE(endpoint);
  EXPECT_EQ(endpoint->host, "cache.internal");
  EXPECT_EQ(endpoint->port, 6380);
  EXPECT_EQ(endpoint->db, 2);
  EXPECT_EQ(endpoint->password, "s@cret");
  EXPECT_EQ(endpoint->describe(), "cache.internal:6380/2");  // never the password
}

TEST(Config, RedisHostPortAndDbWithoutAUrl) {
  const MapEnv env{{{"REDIS_HOST", "redis"}, {"REDIS_PORT", "6390"}, {"REDIS_DB", "3"}}};
  auto config = load_config(env, std::nullopt, {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->redis_endpoint(), (RedisEndpoint{"redis", 6390, 3, "", ""}));
  EXPECT_FALSE(load_config(MapEnv{{}}, std::nullopt, {})->redis_endpoint());  // in memory
}

TEST(Config, BadRedisUrlsAreRefusedWithTheReason) {
  for (const auto& [url, reason] : std::vector<std::pair<std::string, std::string>>{
           {"http://cache:6379", "must start with redis://"},
           {"redis://", "has no host"},
           {"redis://cache:0", "port"},
           {"redis://cache:99999", "port"},
           {"redis://cache/x", "database"},
           {"redis://:%zz@cache", "escape"}}) {
    auto config = load_config(MapEnv{{{"REDIS_URL", url}}}, std::nullopt, {});
    ASSERT_FALSE(config.ok()) << url;
    EXPECT_NE(config.error().message.find("REDIS_URL"), std::string::npos) << url;
    EXPECT_NE(config.error().message.find(reason), std::string::npos)
        << url << ": " << config.error().message;
  }
  auto user = parse_redis_url("redis://worker:pw@[::1]:7000");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->username, "worker");
  EXPECT_EQ(user->password, "pw");
  EXPECT_EQ(user->host, "::1");
  EXPECT_EQ(user->port, 7000);
}

TEST(Config, TableListsEveryVariableOnceWithADescription) {
  const std::set<std::string_view> expected = {"API_HOST",
                                               "API_PORT",
                                               "API_TITLE",
                                               "API_VERSION",
                                               "LOG_LEVEL",
                                               "LOG_DIR",
                                               "REDIS_HOST",
                                               "REDIS_PORT",
                                               "CACHE_EXPIRATION_SECONDS",
                                               "DEFAULT_MODEL_NAME",
                                               "MODELS_CONFIG_PATH",
                                               "MODELS_CONFIG_JSON",
                                               "SAMPLE_RATE",
                                               "ALLOW_PRIVATE_URLS",
                                               "ALLOWED_NETWORKS",
                                               "MAX_DOWNLOAD_BYTES",
                                               "MAX_UPLOAD_BYTES",
                                               "DOWNLOAD_CONNECT_TIMEOUT_SECONDS",
                                               "DOWNLOAD_TIMEOUT_SECONDS",
                                               "MAX_QUEUE",
                                               "WORKER_THREADS",
                                               "REQUEST_TIMEOUT_SECONDS",
                                               "SHUTDOWN_GRACE_SECONDS",
                                               "MAX_CONNECTIONS",
                                               "HEADER_TIMEOUT_SECONDS",
                                               "KEEP_ALIVE_TIMEOUT_SECONDS",
                                               "BODY_BUDGET_BYTES",
                                               "MAX_JOB_RECORDS",
                                               "MAX_JOB_RECORD_BYTES",
                                               "SWAGGER_UI_DIR",
                                               "SILENCE_THRESHOLD_DBFS",
                                               "ANALYSIS_SECONDS",
                                               "CONTENT_MODEL",
                                               "MODEL_THREADS",
                                               "REDIS_DB",
                                               "REDIS_URL",
                                               "REDIS_TIMEOUT_MS",
                                               "CACHE_MAX_ENTRIES",
                                               "CACHE_MAX_BYTES",
                                               "CACHE_LOCK_SECONDS",
                                               "MAX_ATTEMPTS",
                                               "JOB_VISIBILITY_TIMEOUT_SECONDS",
                                               "JOB_RETRY_BACKOFF_MS",
                                               "JOB_TTL_SECONDS",
                                               "WORKER_JOBS",
                                               "NEAR_CACHE_SECONDS",
                                               "MAX_STREAMS",
                                               "STREAM_MAX_SECONDS",
                                               "STREAM_IDLE_TIMEOUT_SECONDS",
                                               "WORKER_STREAMS",
                                               "STREAM_VISIBILITY_TIMEOUT_SECONDS"};
  std::set<std::string_view> seen;
  for (const ConfigVariable& v : config_variables()) {
    EXPECT_TRUE(seen.insert(v.name).second) << v.name;
    EXPECT_FALSE(v.description.empty()) << v.name;
  }
  EXPECT_EQ(seen, expected);
}

TEST(Config, EachLayerOverridesThePreviousOne) {
  test::TempDir dir;
  test::write_text(dir.file(".env"),
                   "API_PORT=1001\nREDIS_PORT=1002\nMAX_QUEUE=3\nLOG_LEVEL=debug\n"
                   "OTHER_TOOL_SETTING=whatever\n");
  const MapEnv env{{{"REDIS_PORT", "2002"}, {"MAX_QUEUE", "4"}, {"SAMPLE_RATE", "22050"}}};
  const auto config = load_config(env, dir.file(".env"), {{"MAX_QUEUE", "5"}});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_port, 1001);  // .env over default
  EXPECT_EQ(config->log_level, LogLevel::debug);
  EXPECT_EQ(config->redis_port, 2002);     // environment over .env
  EXPECT_EQ(config->sample_rate, 22050);   // environment over default
  EXPECT_EQ(config->max_queue, 5);         // flag over environment and .env
  EXPECT_EQ(config->api_host, "0.0.0.0");  // untouched default
}

TEST(Config, EnvFileErrorsStopLoading) {
  test::TempDir dir;
  const auto missing = load_config(MapEnv{{}}, dir.file("nope.env"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, core::ErrorCode::not_found);

  test::write_text(dir.file(".env"), "API_PORT=1\ngarbage\n");
  const auto malformed = load_config(MapEnv{{}}, dir.file(".env"), {});
  ASSERT_FALSE(malformed.ok());
  EXPECT_THAT(malformed.error().message, HasSubstr("line 2"));
}

TEST(Config, NoDefaultEnvFileIsFine) {
  test::TempDir dir;
  const auto config = load_config(MapEnv{{}}, find_default_env_file(dir.path()), {});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(*config, Config{});
}

TEST(Config, BadValueInEnvFileNamesTheFile) {
  test::TempDir dir;
  test::write_text(dir.file(".env"), "API_PORT=eighty\n");
  const auto config = load_config(MapEnv{{}}, dir.file(".env"), {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("API_PORT=\"eighty\""));
  EXPECT_THAT(config.error().message, HasSubstr(".env"));
}

TEST(Config, UnknownFlagIsRefused) {
  const auto config = load({}, {{"API_PROT", "1"}});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("API_PROT"));
}

TEST(Config, ParsesEveryKindOfValue) {
  const auto config = load({{"LOG_LEVEL", "WARNING"},
                            {"ALLOW_PRIVATE_URLS", "Yes"},
                            {"MODELS_CONFIG_JSON", R"({"models": []})"},
                            {"LOG_DIR", "/var/log/earshot"},
                            {"MAX_UPLOAD_BYTES", "1"},
                            {"SHUTDOWN_GRACE_SECONDS", "0"},
                            {"WORKER_THREADS", "3"},
                            {"SWAGGER_UI_DIR", "/opt/swagger"},
                            {"SILENCE_THRESHOLD_DBFS", "-60"},
                            {"MAX_CONNECTIONS", "50"},
                            {"HEADER_TIMEOUT_SECONDS", "3"},
                            {"KEEP_ALIVE_TIMEOUT_SECONDS", "7"},
                            {"BODY_BUDGET_BYTES", "1048576"},
                            {"MAX_JOB_RECORDS", "20"},
                            {"MAX_JOB_RECORD_BYTES", "4096"}});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->log_level, LogLevel::warning);
  EXPECT_TRUE(config->allow_private_urls);
  ASSERT_TRUE(config->models_config_json.has_value());
  EXPECT_TRUE((*config->models_config_json)["models"].is_array());
  EXPECT_EQ(config->log_dir, "/var/log/earshot");
  EXPECT_EQ(config->max_upload_bytes, 1);
  EXPECT_EQ(config->shutdown_grace, std::chrono::seconds(0));
  EXPECT_EQ(config->effective_worker_threads(), 3);
  EXPECT_EQ(config->swagger_ui_dir, "/opt/swagger");
  EXPECT_EQ(config->silence_threshold_dbfs, -60);
  EXPECT_EQ(config->max_connections, 50);
  EXPECT_EQ(config->header_timeout, std::chrono::seconds(3));
  EXPECT_EQ(config->keep_alive_timeout, std::chrono::seconds(7));
  EXPECT_EQ(config->body_budget_bytes, 1048576);
  EXPECT_EQ(config->max_job_records, 20);
  EXPECT_EQ(config->max_job_record_bytes, 4096);
}

TEST(Config, BooleansAcceptTheUsualSpellings) {
  for (const std::string yes : {"true", "TRUE", "1", "yes", "YES", "on", "On"}) {
    const auto c = load({{"ALLOW_PRIVATE_URLS", yes}});
    ASSERT_TRUE(c.ok()) << yes;
    EXPECT_TRUE(c->allow_private_urls) << yes;
  }
  for (const std::string no : {"false", "False", "0", "no", "NO", "off", "OFF"}) {
    const auto c = load({{"ALLOW_PRIVATE_URLS", no}}, {});
    ASSERT_TRUE(c.ok()) << no;
    EXPECT_FALSE(c->allow_private_urls) << no;
  }
}

TEST(Config, LogLevelNamesRoundTrip) {
  for (const std::string name : {"trace", "debug", "info", "warning", "error", "critical"}) {
    const auto c = load({{"LOG_LEVEL", name}});
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_EQ(to_string(c->log_level), name);
  }
}

TEST(Config, InvalidValuesAreRefusedNamingVariableAndRange) {
  struct Case {
    std::string name;
    std::string value;
    std::string expected;  // part of the message after the variable name
  };
  const Case cases[] = {
      {"API_PORT", "http", "must be an integer from 1 to 65535"},
      {"API_PORT", "0", "must be an integer from 1 to 65535"},
      {"API_PORT", "65536", "must be an integer from 1 to 65535"},
      {"API_PORT", "80 ", "must be an integer from 1 to 65535"},
      {"API_PORT", "", "must be an integer from 1 to 65535"},
      {"REDIS_PORT", "-1", "must be an integer from 1 to 65535"},
      {"API_HOST", "", "must not be empty"},
      {"MAX_DOWNLOAD_BYTES", "-5", "must be an integer from 1 to"},
      {"MAX_UPLOAD_BYTES", "-1", "must be an integer from 1 to"},
      {"MAX_UPLOAD_BYTES", "99999999999999999999999", "must be an integer from 1 to"},
      {"CACHE_EXPIRATION_SECONDS", "-1", "must be an integer from 1 to"},
      {"SAMPLE_RATE", "16k", "must be an integer from 8000 to 48000"},
      {"MAX_QUEUE", "0", "must be an integer from 1 to 100000"},
      {"WORKER_THREADS", "-2", "must be an integer from 0 to 1024"},
      {"DOWNLOAD_TIMEOUT_SECONDS", "1.5", "must be an integer from 1 to 86400"},
      {"DOWNLOAD_CONNECT_TIMEOUT_SECONDS", "0", "must be an integer from 1 to 600"},
      {"REQUEST_TIMEOUT_SECONDS", "0", "must be an integer from 1 to 86400"},
      {"SHUTDOWN_GRACE_SECONDS", "-1", "must be an integer from 0 to 3600"},
      {"MAX_CONNECTIONS", "0", "must be an integer from 1 to 1000000"},
      {"HEADER_TIMEOUT_SECONDS", "0", "must be an integer from 1 to 3600"},
      {"BODY_BUDGET_BYTES", "0", "must be an integer from 1 to"},
      {"LOG_LEVEL", "verbose", "must be one of trace, debug, info, warning, error, critical"},
      {"ALLOW_PRIVATE_URLS", "maybe", "must be one of true, false, 1, 0, yes, no, on, off"},
      {"MODELS_CONFIG_JSON", "{models: [", "must be valid JSON"},
  };
  for (const Case& c : cases) {
    for (const bool as_flag : {false, true}) {
      const auto config = as_flag ? load({}, {{c.name, c.value}}) : load({{c.name, c.value}});
      ASSERT_FALSE(config.ok()) << c.name << "=" << c.value;
      EXPECT_EQ(config.error().code, core::ErrorCode::invalid_input);
      const std::string& message = config.error().message;
      EXPECT_THAT(message, HasSubstr(c.name + "=\"")) << message;
      EXPECT_THAT(message, HasSubstr(c.expected)) << message;
      EXPECT_THAT(message, HasSubstr(as_flag ? "the command line" : "the environment"));
    }
  }
}

TEST(Config, BadValueHiddenByAHigherLayerIsNotAnError) {
  const auto config = load({{"API_PORT", "bad"}}, {{"API_PORT", "9000"}});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_port, 9000);
}

TEST(Config, LongValuesAreShortenedInMessages) {
  const std::string json = "[" + std::string(500, ' ') + "oops";
  const auto config = load({{"MODELS_CONFIG_JSON", json}});
  ASSERT_FALSE(config.ok());
  EXPECT_LT(config.error().message.size(), 250u);
}

}  // namespace
}  // namespace earshot::service
