// What the routes refuse before any work is done, as a client sees it: per-route body limits
// and their 413, JSON bodies sent with a Content-Type that is not JSON, URLs over 8192
// characters, JSON nested too deep; and that dispatch() leaves JSON to the work (the pool).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "service/app/app.hpp"
#include "service/http/request_parsing.hpp"
#include "service/routes/api_docs.hpp"
#include "service/routes/routes.hpp"

namespace earshot::service {
namespace {

constexpr std::int64_t kUpload = 12345;  // a MAX_UPLOAD_BYTES no route has on its own

Routes make_routes() {
  auto routes = app::build_routes(Config{});
  EXPECT_TRUE(routes.ok());
  return std::move(*routes);
}

HttpResponse run(const Routes& routes, const HttpRequest& request) {
  Dispatch d = routes.dispatch(request);
  return d.immediate ? *d.immediate : d.work();
}

nlohmann::json body_of(const HttpResponse& r) {
  return nlohmann::json::parse(r.body);
}

// A URL of exactly `length` characters to a loopback address, which the default address
// policy refuses without a connection: a job or an analysis of it ends at once.
std::string url_of_length(std::size_t length) {
  std::string url = "http://127.0.0.1:1/";
  url.resize(length, 'a');
  return url;
}

TEST(BodyLimit, EachRouteHasItsOwn) {
  EXPECT_EQ(Routes::body_limit("POST", "/analyze-audio", kUpload), 16 * 1024);
  EXPECT_EQ(Routes::body_limit("POST", "/analyze-audio?overview=true", kUpload), 16 * 1024);
  EXPECT_EQ(Routes::body_limit("POST", "/jobs", kUpload), 32 * 1024);
  EXPECT_EQ(Routes::body_limit("POST", "/jobs/batch", kUpload), 4 * 1024 * 1024);
  EXPECT_EQ(Routes::body_limit("POST", "/analyze", kUpload), kUpload);
  EXPECT_EQ(Routes::body_limit("POST", "/analyze?overview=1", kUpload), kUpload);
  EXPECT_EQ(Routes::body_limit("POST", "/predict-anomaly?model_name=x", kUpload), kUpload);
  // Routes without a body, and requests that reach no route, get the small limit.
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/models/reload"},
           {"GET", "/"},
           {"HEAD", "/health/live"},
           {"GET", "/jobs/0123456789abcdef0123456789abcdef"},
           {"GET", "/analyze"},  // 405
           {"PUT", "/jobs"},     // 405
           {"POST", "/nowhere"},
           {"BREW", "/"}}) {
    EXPECT_EQ(Routes::body_limit(method, target, kUpload), 16 * 1024) << method << " " << target;
  }
}

TEST(BodyLimit, TheLargestValidJsonBodiesFit) {
  auto routes = make_routes();
  // /analyze-audio: one URL at the longest allowed.
  const std::string one = nlohmann::json{{"audio_url", url_of_length(kMaxUrlLength)}}.dump();
  EXPECT_LE(static_cast<std::int64_t>(one.size()),
            Routes::body_limit("POST", "/analyze-audio", kUpload));
  const auto analysed = run(routes, {"POST", "/analyze-audio", "application/json", one});
  EXPECT_EQ(analysed.status, 400) << analysed.body;  // validated, then refused as loopback
  // /jobs: both URLs at the longest allowed, and a model name.
  const std::string two = nlohmann::json{
      {"audio_url", url_of_length(kMaxUrlLength)},
      {"callback_url", url_of_length(kMaxUrlLength)},
      {"model_name",
       "content"}}.dump();
  EXPECT_LE(static_cast<std::int64_t>(two.size()), Routes::body_limit("POST", "/jobs", kUpload));
  const auto queued = run(routes, {"POST", "/jobs", "application/json", two});
  EXPECT_EQ(queued.status, 202) << queued.body;
}

TEST(BodyLimit, The413NamesTheRouteAndItsLimit) {
  const auto response = Routes::upload_too_large_response(16384, "/jobs");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body,
            R"({"detail":"Request body exceeds the limit of 16384 bytes for /jobs"})");
  EXPECT_EQ(Routes::upload_too_large_response(16384, "unmatched").body,
            R"({"detail":"Request body exceeds the limit of 16384 bytes"})");
  const auto upload = Routes::upload_too_large_response(kUpload);
  EXPECT_EQ(upload.status, 413);
  EXPECT_EQ(upload.body, R"({"detail":"Request body exceeds the upload limit of 12345 bytes"})");
}

TEST(BodyLimit, TheApiDescriptionNamesEveryPostRoutesLimit) {
  auto docs = ApiDocs::load({});
  ASSERT_TRUE(docs.ok());
  const auto doc = nlohmann::json::parse(docs->openapi_json());
  for (const RouteInfo& route : Routes::table()) {
    if (route.method != "POST") continue;
    const std::string path(route.path);
    auto response = doc["paths"][path]["post"]["responses"]["413"];
    ASSERT_TRUE(response.is_object()) << path;
    if (response.contains("$ref")) {
      const std::string ref = response["$ref"];
      response = doc[nlohmann::json::json_pointer(ref.substr(1))];
    }
    const std::string description = response["description"];
    const std::int64_t limit = Routes::body_limit("POST", path, kUpload);
    const std::string expected =
        limit == kUpload ? std::string("MAX_UPLOAD_BYTES") : std::to_string(limit) + " bytes";
    EXPECT_NE(description.find(expected), std::string::npos) << path << ": " << description;
  }
}

TEST(JsonRoutes, DispatchLeavesTheBodyToTheWork) {
  auto routes = make_routes();
  // Even a body that is not JSON is looked at only in the work, which runs on the pool.
  for (const char* target : {"/analyze-audio", "/jobs", "/jobs/batch"}) {
    Dispatch d = routes.dispatch({"POST", target, "application/json", "{oops"});
    ASSERT_FALSE(d.immediate) << target;
    ASSERT_TRUE(d.work) << target;
    EXPECT_EQ(d.route, target);
    const auto response = d.work();
    EXPECT_EQ(response.status, 422) << target;
    EXPECT_EQ(body_of(response)["detail"][0]["type"], "value_error.jsondecode") << target;
  }
}

TEST(JsonRoutes, ABodyIsJsonOnlyWithAJsonContentType) {
  auto routes = make_routes();
  const std::string body = R"({"audio_url": "http://127.0.0.1:1/a.wav"})";
  const auto not_a_dict = nlohmann::json::parse(
      R"({"detail":[{"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"}]})");
  const auto not_a_list = nlohmann::json::parse(
      R"({"detail":[{"loc":["body"],"msg":"value is not a valid list","type":"type_error.list"}]})");
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "text/json"}) {
    const auto url = run(routes, {"POST", "/analyze-audio", type, body});
    EXPECT_EQ(url.status, 422) << type;
    EXPECT_EQ(body_of(url), not_a_dict) << type;
    const auto job = run(routes, {"POST", "/jobs", type, body});
    EXPECT_EQ(job.status, 422) << type;
    EXPECT_EQ(body_of(job), not_a_dict) << type;
    const auto batch = run(routes, {"POST", "/jobs/batch", type, "[" + body + "]"});
    EXPECT_EQ(batch.status, 422) << type;
    EXPECT_EQ(body_of(batch), not_a_list) << type;
  }
  for (const char* type : {"", "application/json; charset=utf-8", "application/vnd.api+json"}) {
    // Parsed: the URL is valid and the analysis refuses the loopback address (400).
    EXPECT_EQ(run(routes, {"POST", "/analyze-audio", type, body}).status, 400) << type;
    EXPECT_EQ(run(routes, {"POST", "/jobs", type, body}).status, 202) << type;
    EXPECT_EQ(run(routes, {"POST", "/jobs/batch", type, "[" + body + "]"}).status, 202) << type;
  }
}

TEST(JsonRoutes, AUrlOver8192CharactersIsA422) {
  auto routes = make_routes();
  const auto expected = [](const char* field) {
    return nlohmann::json{{"detail",
                           {{{"loc", {"body", field}},
                             {"msg", "ensure this value has at most 8192 characters"},
                             {"type", "value_error.any_str.max_length"},
                             {"ctx", {{"limit_value", 8192}}}}}}};
  };
  const std::string long_url = url_of_length(kMaxUrlLength + 1);
  const auto analysed = run(routes, {"POST", "/analyze-audio", "application/json",
                                     nlohmann::json{{"audio_url", long_url}}.dump()});
  EXPECT_EQ(analysed.status, 422);
  EXPECT_EQ(body_of(analysed), expected("audio_url"));
  const auto job =
      run(routes,
          {"POST", "/jobs", "application/json",
           nlohmann::json{{"audio_url", "https://example.org/a.wav"}, {"callback_url", long_url}}
               .dump()});
  EXPECT_EQ(job.status, 422);
  EXPECT_EQ(body_of(job), expected("callback_url"));
}

TEST(JsonRoutes, DeepNestingIsA422) {
  auto routes = make_routes();
  // A body of brackets that fits the route's limit: refused by depth, not by size.
  const std::string deep = std::string(8000, '[') + std::string(8000, ']');
  ASSERT_LE(static_cast<std::int64_t>(deep.size()),
            Routes::body_limit("POST", "/analyze-audio", kUpload));
  for (const char* target : {"/analyze-audio", "/jobs", "/jobs/batch"}) {
    const auto response = run(routes, {"POST", target, "application/json", deep});
    EXPECT_EQ(response.status, 422) << target;
    EXPECT_EQ(body_of(response), nlohmann::json::parse(R"({"detail":[{"loc":["body",32],
                  "msg":"JSON nested deeper than 32 levels","type":"value_error.jsondecode"}]})"))
        << target;
  }
}

}  // namespace
}  // namespace earshot::service
