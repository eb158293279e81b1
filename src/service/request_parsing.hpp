// Parsing of untrusted request bodies, kept apart from routing so that it is unit-tested and
// fuzzed (fuzz/fuzz_request_parsing.cpp) on its own. Pure functions over byte views; nothing
// here allocates more than a small multiple of its input or recurses on input depth beyond
// nlohmann::json's own parser.
//
//   auto url = parse_audio_url_body(R"({"audio_url": "https://x/a.mp3"})");
//   if (auto* error = std::get_if<HttpErrorResponse>(&url)) return *error;   // 422
//
//   auto field = find_form_field(body, request_content_type, "file");
//   if (field.outcome == FormFieldOutcome::found) analyze(field.content);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "service/http_errors.hpp"
#include "service/jobs.hpp"

namespace earshot::service {

// The body of POST /analyze-audio, {"audio_url": "http(s)://..."}, validated as FastAPI with a
// pydantic v1 HttpUrl field did: the URL, or a 422 in FastAPI's shape (body not JSON, not an
// object, audio_url missing/null/not a string, scheme absent or other than http/https).
std::variant<std::string, HttpErrorResponse> parse_audio_url_body(std::string_view body);

// The body of POST /jobs, {"audio_url": "http(s)://...", "model_name": "...", "callback_url":
// "http(s)://..."} (the last two optional, null or absent), checked like parse_audio_url_body;
// 422 in FastAPI's shape. Whether the model exists is the route's business (400).
std::variant<JobRequest, HttpErrorResponse> parse_job_body(std::string_view body);

// The body of POST /jobs/batch: a list of job objects, or {"jobs": [...]}, 1 to `max_jobs`
// of them; an issue's loc names the job's index.
std::variant<std::vector<JobRequest>, HttpErrorResponse> parse_job_batch_body(std::string_view body,
                                                                              std::size_t max_jobs);

enum class FormFieldOutcome {
  found,      // `content` is the field's bytes (a view into the body)
  missing,    // a well-formed body without that field
  malformed,  // no boundary parameter, no delimiter, a part without headers or end
};

struct FormField {
  FormFieldOutcome outcome = FormFieldOutcome::malformed;
  std::string_view content;
};

// Finds form field `name` in a multipart/form-data body (RFC 7578), given the request's
// Content-Type (which carries the boundary). The first part with that name wins.
FormField find_form_field(std::string_view body, std::string_view content_type,
                          std::string_view name);

// The value of query parameter `name` in a request target ("/predict?model_name=a%20b" -> "a b"):
// percent-decoded, '+' read as a space, the first occurrence winning; nullopt when absent. A
// malformed escape is kept as it is, as Starlette does.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);

// Boolean query parameter `name`, read as FastAPI reads a bool (core::parse_bool's words: true,
// 1, yes, on and false, 0, no, off in any case); absent gives `absent`. Anything else is a 422
// naming the parameter.
std::variant<bool, HttpErrorResponse> query_flag(std::string_view target, std::string_view name,
                                                 bool absent);

}  // namespace earshot::service
