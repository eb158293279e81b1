#include "service/routes/routes.hpp"

#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>
#include <string_view>

#include "service/http/http_headers.hpp"
#include "service/http/request_parsing.hpp"
#include "service/redis/dependency_checks.hpp"
#include "service/routes/route_responses.hpp"
#include "service/routes/web_ui.hpp"
#include "timeline/timeline_writer.hpp"

namespace earshot::service {
namespace {

constexpr std::string_view kUnmatched = "unmatched";
constexpr auto kReadinessTimeout = std::chrono::milliseconds(500);

HttpResponse cached_response(std::string body, bool hit) {
  HttpResponse response{kOk, std::move(body), "application/json", {}, {}};
  response.headers.emplace_back("X-Cache", hit ? "HIT" : "MISS");
  return response;
}

HttpResponse response_of(const core::Result<CacheOutcome>& outcome) {
  if (!outcome) return error_of(outcome.error());
  return cached_response(outcome->value, outcome->hit);
}

// A file served as it is (Swagger UI, the web page), or 404.
HttpResponse static_file_response(const std::optional<StaticFile>& file,
                                  std::string_view cache_control) {
  if (!file) return HttpResponse::from(detail_response(kNotFound, "Not Found"));
  return HttpResponse{kOk,
                      std::string(file->body),
                      std::string(file->content_type),
                      {{"Cache-Control", std::string(cache_control)}},
                      {}};
}

// ?overview=true asks for the waveform envelope and spectrogram (the web page draws them).
std::variant<AnalysisDetail, HttpErrorResponse> requested_detail(std::string_view target) {
  auto flag = query_flag(target, "overview", false);
  if (auto* error = std::get_if<HttpErrorResponse>(&flag)) return std::move(*error);
  return std::get<bool>(flag) ? AnalysisDetail::overview : AnalysisDetail::summary;
}

// ?format= names the answer's format; without it, the Accept header chooses, and JSON stays the
// answer unless the client asks for a format by a media type of its own.
std::variant<timeline::TimelineFormat, HttpErrorResponse> requested_format(
    std::string_view target, std::string_view accept) {
  const auto name = query_parameter(target, "format");
  if (!name) return timeline::negotiate(accept);
  if (const auto format = timeline::parse_format(*name)) return *format;
  std::string permitted;
  for (const auto format : timeline::all_formats()) {
    permitted += (permitted.empty() ? "'" : ", '") + std::string(timeline::name(format)) + "'";
  }
  return validation_error({"query", "format"},
                          "value is not a valid enumeration member; permitted: " + permitted,
                          "type_error.enum");
}

// What the client asked of an analysis route's answer: its detail and its format.
struct AnswerShape {
  AnalysisDetail detail = AnalysisDetail::summary;
  timeline::TimelineFormat format = timeline::TimelineFormat::json;
};

std::variant<AnswerShape, HttpErrorResponse> requested_shape(std::string_view target,
                                                             std::string_view accept) {
  auto detail = requested_detail(target);
  if (auto* error = std::get_if<HttpErrorResponse>(&detail)) return std::move(*error);
  auto format = requested_format(target, accept);
  if (auto* error = std::get_if<HttpErrorResponse>(&format)) return std::move(*error);
  return AnswerShape{std::get<AnalysisDetail>(detail), std::get<timeline::TimelineFormat>(format)};
}

// The analysis's JSON answer ({"status", "data"}) turned into the timeline format asked for;
// errors stay JSON. The answer varies with Accept, which shared caches must know.
HttpResponse in_format(HttpResponse answer, timeline::TimelineFormat format,
                       std::string_view file_id) {
  answer.headers.emplace_back("Vary", "Accept");
  if (format == timeline::TimelineFormat::json || answer.status != kOk) return answer;
  const auto body = nlohmann::json::parse(answer.body, nullptr, false);
  const auto data = body.is_object() ? body.find("data") : body.end();
  if (data == body.end()) return internal_error("an analysis answer without data");
  auto timeline = timeline::timeline_of(*data, std::string(file_id));
  if (!timeline) return internal_error(timeline.error().message);
  answer.body = timeline::write_document(format, *timeline);
  answer.content_type = std::string(timeline::content_type(format));
  return answer;
}

std::string_view path_of(std::string_view target) {
  const auto query = target.find_first_of("?#");
  return query == std::string_view::npos ? target : target.substr(0, query);
}

bool matches(std::string_view pattern, std::string_view path) {
  if (pattern.ends_with('*')) return path.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == path;
}

}  // namespace

struct Routes::Entry {
  RouteInfo info;
  Dispatch (Routes::*handler)(HttpRequest&) const;
  std::int64_t body_limit;  // bytes, or kUploadBody
};

namespace {

// Request body limits, the routing table's last column. A route without a body still reads a
// small one (and ignores it, as FastAPI does); the JSON routes hold a valid body with room for
// JSON escapes; only the upload routes take MAX_UPLOAD_BYTES.
constexpr std::int64_t kNoBody = 16 * 1024;           // GET, HEAD, /models/reload, no route
constexpr std::int64_t kUrlBody = 16 * 1024;          // {"audio_url"}: one URL
constexpr std::int64_t kJobBody = 32 * 1024;          // two URLs and a model name
constexpr std::int64_t kBatchBody = 4 * 1024 * 1024;  // up to 1000 jobs of about 4 KB
constexpr std::int64_t kUploadBody = -1;              // MAX_UPLOAD_BYTES
static_assert(kUrlBody >= static_cast<std::int64_t>(kMaxUrlLength) + 1024);
static_assert(kJobBody >= 2 * static_cast<std::int64_t>(kMaxUrlLength) + 1024);

}  // namespace

// The routing table, in one place. A path matched with another method gets a 405.
std::span<const Routes::Entry> Routes::entries() {
  static constexpr Entry kEntries[] = {
      {{"GET", "/"}, &Routes::root, kNoBody},
      {{"GET", "/health/live"}, &Routes::live, kNoBody},
      {{"GET", "/health/ready"}, &Routes::ready, kNoBody},
      {{"GET", "/metrics"}, &Routes::metrics, kNoBody},
      {{"GET", "/openapi.json"}, &Routes::openapi, kNoBody},
      {{"GET", "/docs"}, &Routes::swagger_ui, kNoBody},
      {{"GET", "/docs/*"}, &Routes::swagger_ui, kNoBody},
      {{"GET", "/ui"}, &Routes::web_ui, kNoBody},
      {{"GET", "/ui/*"}, &Routes::web_ui, kNoBody},
      {{"POST", "/analyze-audio"}, &Routes::analyze_audio, kUrlBody},
      {{"POST", "/analyze"}, &Routes::analyze_upload, kUploadBody},
      {{"GET", "/models"}, &Routes::list_models, kNoBody},
      {{"POST", "/models/reload"}, &Routes::reload_models, kNoBody},
      {{"POST", "/predict-anomaly"}, &Routes::predict_anomaly, kUploadBody},
      {{"POST", "/jobs"}, &Routes::submit_job, kJobBody},
      {{"POST", "/jobs/batch"}, &Routes::submit_jobs, kBatchBody},
      {{"GET", "/jobs/*"}, &Routes::find_job, kNoBody},
      {{"POST", "/streams"}, &Routes::start_stream, kJobBody},
      {{"GET", "/streams/*"}, &Routes::find_stream, kNoBody},
      {{"DELETE", "/streams/*"}, &Routes::stop_stream, kNoBody},
  };
  return kEntries;
}

std::vector<RouteInfo> Routes::table() {
  std::vector<RouteInfo> out;
  for (const Entry& entry : entries()) out.push_back(entry.info);
  return out;
}

Routes::Routes(RoutesOptions options, std::shared_ptr<const AnalysisPipeline> pipeline,
               std::shared_ptr<JobQueue> jobs, std::shared_ptr<ServiceMetrics> metrics,
               std::shared_ptr<ModelCatalog> catalog, std::shared_ptr<Streams> streams,
               ApiDocs docs)
    : root_message_(std::move(options.root_message)),
      redis_(std::move(options.redis)),
      pipeline_(std::move(pipeline)),
      jobs_(std::move(jobs)),
      metrics_(std::move(metrics)),
      docs_(std::move(docs)),
      catalog_(std::move(catalog)),
      streams_(std::move(streams)) {}

HttpResponse Routes::busy_response() {
  auto response =
      HttpResponse::from(detail_response(kServiceUnavailable, "Server busy, retry later"));
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse Routes::upload_too_large_response(std::int64_t limit) {
  return HttpResponse::from(error_response(
      core::Error{core::ErrorCode::too_large,
                  "Request body exceeds the upload limit of " + std::to_string(limit) + " bytes"}));
}

HttpResponse Routes::upload_too_large_response(std::int64_t limit, std::string_view route) {
  std::string detail = "Request body exceeds the limit of " + std::to_string(limit) + " bytes";
  if (route != kUnmatched) detail += " for " + std::string(route);
  return HttpResponse::from(error_response(core::Error{core::ErrorCode::too_large, detail}));
}

HttpResponse Routes::timeout_response(std::chrono::seconds limit) {
  return HttpResponse::from(detail_response(
      kGatewayTimeout, "Request timed out after " + std::to_string(limit.count()) + " s"));
}

Dispatch Routes::dispatch(HttpRequest request) const {
  // Handlers return errors as values; an exception here is a bug, and it must still become a
  // 500 with the cause in the log rather than a dropped connection.
  try {
    return route(request);
  } catch (const std::exception& e) {
    return now(kUnmatched, internal_error(std::string("routing threw: ") + e.what()));
  }
}

const Routes::Entry* Routes::entry_for(std::string_view method, std::string_view target) {
  const auto path = path_of(target);
  if (method == "HEAD") method = "GET";
  for (const Entry& entry : entries()) {
    if (entry.info.method == method && matches(entry.info.path, path)) return &entry;
  }
  return nullptr;
}

std::string_view Routes::route_name(std::string_view method, std::string_view target) {
  const Entry* entry = entry_for(method, target);
  return entry ? entry->info.path : kUnmatched;
}

std::int64_t Routes::body_limit(std::string_view method, std::string_view target,
                                std::int64_t max_upload_bytes) {
  const Entry* entry = entry_for(method, target);
  if (!entry) return kNoBody;
  return entry->body_limit == kUploadBody ? max_upload_bytes : entry->body_limit;
}

Dispatch Routes::route(HttpRequest& request) const {
  const auto path = path_of(request.target);
  // HEAD is GET without the body, which the server drops.
  std::string_view method = request.method;
  if (method == "HEAD") method = "GET";  // (not a ?: with a std::string: that makes a temporary)
  std::string allow;
  std::string_view matched_route = kUnmatched;
  for (const Entry& entry : entries()) {
    if (!matches(entry.info.path, path)) continue;
    if (entry.info.method == method) return (this->*entry.handler)(request);
    matched_route = entry.info.path;
    if (!allow.empty()) allow += ", ";
    allow += entry.info.method == "GET" ? "GET, HEAD" : entry.info.method;
  }
  if (allow.empty()) {
    return now(kUnmatched, HttpResponse::from(detail_response(kNotFound, "Not Found")));
  }
  auto response = HttpResponse::from(detail_response(kMethodNotAllowed, "Method Not Allowed"));
  response.headers.emplace_back("Allow", std::move(allow));
  return now(matched_route, std::move(response));
}

Dispatch Routes::root(HttpRequest&) const {
  return now("/", json_ok(nlohmann::ordered_json{{"message", root_message_}}));
}

Dispatch Routes::live(HttpRequest&) const {
  return now("/health/live", json_ok(nlohmann::ordered_json{{"status", "ok"}}));
}

Dispatch Routes::ready(HttpRequest&) const {
  // Checking Redis blocks (a connect and a PING), so it runs on the pool like any work.
  return Dispatch{"/health/ready", std::nullopt, [this]() -> HttpResponse {
                    nlohmann::ordered_json checks{{"analyzer", "ok"}};
                    bool ready = true;
                    if (redis_) {
                      auto problem = redis_problem(redis_->host, redis_->port, kReadinessTimeout);
                      checks["redis"] = problem ? *problem : std::string("ok");
                      ready = ready && !problem;
                    }
                    return json_response(
                        ready ? kOk : kServiceUnavailable,
                        {{"status", ready ? "ready" : "not_ready"}, {"checks", std::move(checks)}});
                  }};
}

Dispatch Routes::metrics(HttpRequest&) const {
  return now(
      "/metrics",
      HttpResponse{kOk, metrics_->render(), "text/plain; version=0.0.4; charset=utf-8", {}, {}});
}

Dispatch Routes::openapi(HttpRequest&) const {
  return now("/openapi.json", HttpResponse{kOk, docs_.openapi_json(), "application/json", {}, {}});
}

Dispatch Routes::swagger_ui(HttpRequest& request) const {
  const auto path = path_of(request.target);
  const std::string_view route = path == "/docs" ? "/docs" : "/docs/*";
  if (!docs_.swagger_ui_available()) {
    return now(route, HttpResponse::from(detail_response(
                          kServiceUnavailable,
                          "Swagger UI is not installed (run scripts/setup, or set SWAGGER_UI_DIR "
                          "to a swagger-ui-dist folder); the API description is at "
                          "/openapi.json")));
  }
  // Swagger UI's files change only with its npm version.
  return now(route, static_file_response(docs_.file(path), "public, max-age=3600"));
}

Dispatch Routes::web_ui(HttpRequest& request) const {
  const auto path = path_of(request.target);
  const std::string_view route = path == "/ui" ? "/ui" : "/ui/*";
  // Compiled into this binary: a new earshot may change them, so browsers check each time.
  return now(route, static_file_response(web_ui_file(path), "no-cache"));
}

Dispatch Routes::analyze_audio(HttpRequest& request) const {
  // Parsing JSON is work for the pool, never for an Asio thread. The checks keep their order:
  // the body (422), the query (422), then a hit in this process's memory is answered without
  // a download or a network round trip.
  return Dispatch{
      "/analyze-audio", std::nullopt,
      [pipeline = pipeline_, body = std::move(request.body),
       content_type = std::move(request.content_type), target = std::move(request.target),
       accept = std::move(request.accept)]() -> HttpResponse {
        auto parsed = parse_audio_url_body(body, content_type);
        if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) {
          return HttpResponse::from(std::move(*error));
        }
        auto shape = requested_shape(target, accept);
        if (auto* error = std::get_if<HttpErrorResponse>(&shape)) {
          return HttpResponse::from(std::move(*error));
        }
        const auto& url = std::get<std::string>(parsed);
        const AnswerShape& asked = std::get<AnswerShape>(shape);
        HttpResponse answer;
        if (auto hit = pipeline->cached_in_memory(url, asked.detail)) {
          answer = cached_response(std::move(*hit), true);
        } else {
          answer = response_of(pipeline->analyze_url(url, asked.detail));
        }
        return in_format(std::move(answer), asked.format, timeline::file_id_of(url));
      }};
}

Dispatch Routes::analyze_upload(HttpRequest& request) const {
  constexpr std::string_view kRoute = "/analyze";
  auto shape = requested_shape(request.target, request.accept);
  if (auto* error = std::get_if<HttpErrorResponse>(&shape)) {
    return now(kRoute, HttpResponse::from(std::move(*error)));
  }
  const AnswerShape asked = std::get<AnswerShape>(shape);
  // The body moves into the job (the session's request dies before the work runs); the audio is
  // a view into it, so an upload is never copied.
  auto body = std::make_shared<const std::string>(std::move(request.body));
  const std::string type = media_type(request.content_type);
  const bool multipart = type == "multipart/form-data";
  if (!multipart && !is_audio_content_type(request.content_type)) {
    return now(kRoute,
               HttpResponse::from(detail_response(
                   kUnsupportedMediaType,
                   "Content type " + (type.empty() ? std::string("(none)") : type) +
                       " is not audio; send audio/*, video/* or application/octet-stream, or "
                       "multipart/form-data with a file field")));
  }
  return Dispatch{kRoute, std::nullopt,
                  [pipeline = pipeline_, body, content_type = std::move(request.content_type),
                   multipart, asked]() -> HttpResponse {
                    std::string_view audio = *body;
                    if (multipart) {
                      auto file = uploaded_file(*body, content_type);
                      if (auto* error = std::get_if<HttpErrorResponse>(&file)) {
                        return HttpResponse::from(std::move(*error));
                      }
                      audio = std::get<std::string_view>(file);
                    }
                    const auto bytes = std::span(
                        reinterpret_cast<const std::uint8_t*>(audio.data()), audio.size());
                    return in_format(response_of(pipeline->analyze_upload(bytes, asked.detail)),
                                     asked.format, "upload");
                  }};
}

}  // namespace earshot::service
