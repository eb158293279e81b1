// libFuzzer target: the parsing of untrusted request bodies (service/request_parsing.hpp), as
// the server runs it for POST /analyze-audio and POST /jobs(/batch) (JSON) and POST /analyze
// (multipart/form-data).
// The input's first line is the request's Content-Type, the rest its body; the JSON parsers
// also see the body without a Content-Type, so that random first lines do not hide them. Any input
// must give a value; beyond crashes and sanitizer reports, the answers' own invariants are checked.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "service/http/http_headers.hpp"
#include "service/http/request_parsing.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();  // an invariant broke: libFuzzer saves the input
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace earshot::service;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view content_type =
      newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? input : input.substr(newline + 1);

  const auto url = parse_audio_url_body(body);
  if (const auto* error = std::get_if<HttpErrorResponse>(&url)) {
    // A 422 in FastAPI's shape, always valid JSON with a non-empty detail list.
    check(error->status == 422);
    const auto json = nlohmann::json::parse(error->body);
    check(json["detail"].is_array() && !json["detail"].empty());
  } else {
    const auto& text = std::get<std::string>(url);
    check(text.find("://") != std::string::npos);
  }

  const auto job = parse_job_body(body);
  if (const auto* error = std::get_if<HttpErrorResponse>(&job)) {
    check(error->status == 422);
    check(nlohmann::json::parse(error->body)["detail"].is_array());
  } else {
    check(std::get<JobRequest>(job).audio_url.find("://") != std::string::npos);
  }
  const auto batch = parse_job_batch_body(body, 1000);
  if (const auto* jobs = std::get_if<std::vector<JobRequest>>(&batch)) {
    check(!jobs->empty() && jobs->size() <= 1000);
  } else {
    check(std::get<HttpErrorResponse>(batch).status == 422);
  }

  // The first line as the request's Content-Type: a type that is not JSON gives the same 422
  // whatever the body, which is never parsed.
  const auto typed = parse_audio_url_body(body, content_type);
  if (!is_json_content_type(content_type)) {
    check(
        std::get<HttpErrorResponse>(typed).body ==
        R"({"detail":[{"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"}]})");
  }

  const FormField field = find_form_field(body, content_type, "file");
  if (field.outcome == FormFieldOutcome::found) {
    // The content is a view into the body, never a copy or out of its bounds.
    check(field.content.data() >= body.data() &&
          field.content.data() + field.content.size() <= body.data() + body.size());
  }

  // The first line doubles as a request target: decoding never grows a value.
  const auto model = query_parameter(content_type, "model_name");
  check(!model || model->size() <= content_type.size());
  return 0;
}
