// Parsing of untrusted request bodies, kept apart from routing so that it is unit-tested and
// fuzzed (fuzz/fuzz_request_parsing.cpp) on its own. Pure functions over byte views; nothing
// here allocates more than a small multiple of its input, and every scan is linear in it:
// JSON nested deeper than kMaxJsonDepth is refused by a scan before nlohmann::json builds
// anything, and multipart delimiters are searched with memmem and at most 70 characters long.
//
//   auto url = parse_audio_url_body(R"({"audio_url": "https://x/a.mp3"})", "application/json");
//   if (auto* error = std::get_if<HttpErrorResponse>(&url)) return *error;   // 422
//
//   auto field = find_form_field(body, request_content_type, "file");
//   if (field.outcome == FormFieldOutcome::found) analyze(field.content);
//
// The JSON bodies are read as FastAPI (>= 0.65.2) reads a pydantic v1 model body: as JSON only
// when the Content-Type is absent, application/json or application/*+json (with any
// parameters); any other type leaves the body bytes, which fail validation with a 422 (a dict
// expected; a list for the batch). So a form post from a browser on another site cannot
// submit work.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "service/http/http_errors.hpp"
#include "service/http/job_request.hpp"

namespace earshot::service {

// The longest URL field (audio_url, callback_url) accepted, in characters: longer is a 422
// "ensure this value has at most 8192 characters" (value_error.any_str.max_length, with
// "ctx": {"limit_value": 8192}, as pydantic v1 reports a max_length).
inline constexpr std::size_t kMaxUrlLength = 8192;
// The deepest nesting of arrays and objects in a JSON body; deeper is a 422
// (value_error.jsondecode) naming the position of the bracket that went too deep.
inline constexpr int kMaxJsonDepth = 32;
// RFC 2046: a multipart boundary is 1 to 70 characters; a longer one is a malformed body.
inline constexpr std::size_t kMaxBoundaryLength = 70;

// The body of POST /analyze-audio, {"audio_url": "http(s)://..."}, validated as FastAPI with a
// pydantic v1 HttpUrl field did: the URL, or a 422 in FastAPI's shape (a Content-Type that is
// not JSON, body not JSON or too deep, not an object, audio_url missing/null/not a string,
// longer than kMaxUrlLength, scheme absent or other than http/https). An empty
// `content_type` means the header was absent.
std::variant<std::string, HttpErrorResponse> parse_audio_url_body(
    std::string_view body, std::string_view content_type = {});

// The body of POST /jobs, {"audio_url": "http(s)://...", "model_name": "...", "callback_url":
// "http(s)://..."} (the last two optional, null or absent), checked like parse_audio_url_body;
// 422 in FastAPI's shape. Whether the model exists is the route's business (400).
std::variant<JobRequest, HttpErrorResponse> parse_job_body(std::string_view body,
                                                           std::string_view content_type = {});

// The body of POST /jobs/batch: a list of job objects, or {"jobs": [...]}, 1 to `max_jobs`
// of them; an issue's loc names the job's index. A Content-Type that is not JSON is a 422
// "value is not a valid list" (type_error.list).
std::variant<std::vector<JobRequest>, HttpErrorResponse> parse_job_batch_body(
    std::string_view body, std::size_t max_jobs, std::string_view content_type = {});

enum class FormFieldOutcome {
  found,      // `content` is the field's bytes (a view into the body)
  missing,    // a well-formed body without that field
  malformed,  // no boundary parameter, one over kMaxBoundaryLength, no delimiter, a part
              // without headers or end
};

struct FormField {
  FormFieldOutcome outcome = FormFieldOutcome::malformed;
  std::string_view content;
};

// Finds form field `name` in a multipart/form-data body (RFC 7578), given the request's
// Content-Type (which carries the boundary). The first part with that name wins. The work is
// linear in the body's size whatever its bytes: a delimiter is at most 74 bytes and is found
// with glibc's memmem.
FormField find_form_field(std::string_view body, std::string_view content_type,
                          std::string_view name);

// The audio of an upload route's multipart body: field `file`, or the answer FastAPI gave
// for a form without it (422 field required; for a body that is not multipart at all too) or
// for a form it could not parse (400). Scanning is linear in the body's size but still up to
// about a second for a crafted 200 MB body, so routes call this on the worker pool.
std::variant<std::string_view, HttpErrorResponse> uploaded_file(std::string_view body,
                                                                std::string_view content_type);

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
