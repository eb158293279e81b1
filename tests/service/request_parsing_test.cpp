// Request-body parsing: the /analyze-audio JSON body (FastAPI's 422 shapes) and multipart
// form fields, including the malformed and the adversarial bodies a client or an attacker may
// send (long URLs, deep JSON, non-JSON content types, long boundaries, near-delimiters).
#include "service/http/request_parsing.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace earshot::service {
namespace {

nlohmann::json detail_of(const std::variant<std::string, HttpErrorResponse>& parsed) {
  const auto* error = std::get_if<HttpErrorResponse>(&parsed);
  if (error == nullptr) {
    ADD_FAILURE() << "expected a 422, got the URL " << std::get<std::string>(parsed);
    return {};
  }
  EXPECT_EQ(error->status, 422);
  return nlohmann::json::parse(error->body)["detail"][0];
}

TEST(AudioUrlBody, AcceptsHttpAndHttpsUrls) {
  auto parsed = parse_audio_url_body(R"({"audio_url": "https://example.org/a.mp3", "x": 1})");
  ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
  EXPECT_EQ(std::get<std::string>(parsed), "https://example.org/a.mp3");
  EXPECT_TRUE(std::holds_alternative<std::string>(
      parse_audio_url_body(R"({"audio_url": "HTTP://example.org/a.wav"})")));
}

TEST(AudioUrlBody, NotJsonNamesThePosition) {
  auto detail = detail_of(parse_audio_url_body(R"({"audio_url": oops})"));
  EXPECT_EQ(detail["type"], "value_error.jsondecode");
  EXPECT_EQ(detail["loc"], (nlohmann::json{"body", 14}));
  EXPECT_EQ(detail["msg"], "Expecting value");
  EXPECT_EQ(detail_of(parse_audio_url_body(""))["loc"], (nlohmann::json{"body", 0}));
}

TEST(AudioUrlBody, NumberOverflowIsA422NotAnException) {
  // Found by fuzz_request_parsing: nlohmann throws out_of_range, not parse_error, for this.
  auto detail = detail_of(parse_audio_url_body(R"({"audio_url": "http://x", "n": 7777e7777778})"));
  EXPECT_EQ(detail["type"], "value_error.jsondecode");
}

TEST(AudioUrlBody, EveryValidationFailureHasFastApisShape) {
  EXPECT_EQ(detail_of(parse_audio_url_body("[1]")),
            nlohmann::json::parse(
                R"({"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"})"));
  const auto missing = nlohmann::json::parse(
      R"({"loc":["body","audio_url"],"msg":"field required","type":"value_error.missing"})");
  EXPECT_EQ(detail_of(parse_audio_url_body("{}")), missing);
  EXPECT_EQ(detail_of(parse_audio_url_body(R"({"audio_url": null})")), missing);
  EXPECT_EQ(detail_of(parse_audio_url_body(R"({"audio_url": 5})"))["type"], "type_error.str");
  auto ftp = detail_of(parse_audio_url_body(R"({"audio_url": "ftp://x/a.wav"})"));
  EXPECT_EQ(ftp["type"], "value_error.url.scheme");
  EXPECT_EQ(ftp["msg"], "URL scheme not permitted");
  auto bare = detail_of(parse_audio_url_body(R"({"audio_url": "a.wav"})"));
  EXPECT_EQ(bare["msg"], "invalid or missing URL scheme");
}

TEST(AudioUrlBody, AUrlMayHave8192CharactersAndNoMore) {
  std::string url = "https://example.org/";
  url.resize(kMaxUrlLength, 'a');
  const auto at_limit = parse_audio_url_body(nlohmann::json{{"audio_url", url}}.dump());
  ASSERT_TRUE(std::holds_alternative<std::string>(at_limit));
  EXPECT_EQ(std::get<std::string>(at_limit), url);
  // Counted in characters, as pydantic counts a str: 8192 two-byte characters still fit.
  std::string accented = "https://example.org/";
  for (std::size_t i = accented.size(); i < kMaxUrlLength; ++i) accented += "\xc3\xa9";
  EXPECT_TRUE(std::holds_alternative<std::string>(
      parse_audio_url_body(nlohmann::json{{"audio_url", accented}}.dump())));

  url += 'a';
  const auto over = detail_of(parse_audio_url_body(nlohmann::json{{"audio_url", url}}.dump()));
  EXPECT_EQ(over, nlohmann::json::parse(R"({"loc":["body","audio_url"],
      "msg":"ensure this value has at most 8192 characters",
      "type":"value_error.any_str.max_length","ctx":{"limit_value":8192}})"));
  // The length is checked before the scheme, as pydantic does.
  std::string ftp = "ftp://x/";
  ftp.resize(kMaxUrlLength + 1, 'a');
  EXPECT_EQ(detail_of(parse_audio_url_body(nlohmann::json{{"audio_url", ftp}}.dump()))["type"],
            "value_error.any_str.max_length");
}

TEST(AudioUrlBody, JsonNestedDeeperThan32LevelsIsRefusedBeforeParsing) {
  const auto nested = [](int depth) {
    return R"({"audio_url": "https://x/a.wav", "n": )" + std::string(depth - 1, '[') +
           std::string(depth - 1, ']') + "}";
  };
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_audio_url_body(nested(kMaxJsonDepth))));
  const auto too_deep = detail_of(parse_audio_url_body(nested(kMaxJsonDepth + 1)));
  EXPECT_EQ(too_deep["msg"], "JSON nested deeper than 32 levels");
  EXPECT_EQ(too_deep["type"], "value_error.jsondecode");
  EXPECT_EQ(too_deep["loc"], (nlohmann::json{"body", 38 + kMaxJsonDepth - 1}));
  // Brackets inside strings, escaped quotes included, are text, not depth.
  const std::string in_string =
      R"({"audio_url": "https://x/a.wav", "s": "\"[[[)" + std::string(100, '[') + R"("})";
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_audio_url_body(in_string)));
  // Deep text that is not JSON either: the depth is what is reported, at the 33rd bracket.
  const auto brackets = detail_of(parse_audio_url_body(std::string(16 * 1024, '[')));
  EXPECT_EQ(brackets["loc"], (nlohmann::json{"body", 32}));
  EXPECT_EQ(std::get<HttpErrorResponse>(parse_job_body(std::string(100, '{'))).status, 422);
  EXPECT_EQ(std::get<HttpErrorResponse>(parse_job_batch_body(std::string(100, '['), 10)).status,
            422);
}

TEST(JsonBodies, AreJsonOnlyWithoutAContentTypeOrWithAJsonOne) {
  const std::string body = R"({"audio_url": "https://x/a.wav"})";
  const auto not_a_dict = nlohmann::json::parse(
      R"({"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"})");
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    EXPECT_EQ(detail_of(parse_audio_url_body(body, type)), not_a_dict) << type;
    const auto job = parse_job_body(body, type);
    ASSERT_TRUE(std::holds_alternative<HttpErrorResponse>(job)) << type;
    EXPECT_EQ(nlohmann::json::parse(std::get<HttpErrorResponse>(job).body)["detail"][0],
              not_a_dict);
    const auto batch = parse_job_batch_body("[" + body + "]", 10, type);
    ASSERT_TRUE(std::holds_alternative<HttpErrorResponse>(batch)) << type;
    EXPECT_EQ(
        nlohmann::json::parse(std::get<HttpErrorResponse>(batch).body)["detail"][0],
        nlohmann::json::parse(
            R"({"loc":["body"],"msg":"value is not a valid list","type":"type_error.list"})"));
  }
  for (const char* type : {"", "application/json; charset=utf-8", "application/vnd.api+json"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_audio_url_body(body, type))) << type;
    EXPECT_TRUE(std::holds_alternative<JobRequest>(parse_job_body(body, type))) << type;
    EXPECT_TRUE(std::holds_alternative<std::vector<JobRequest>>(
        parse_job_batch_body("[" + body + "]", 10, type)))
        << type;
  }
}

std::string two_part_body(const std::string& second_name, const std::string& content) {
  return "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
         "--XyZ\r\ncontent-disposition: form-data; name=\"" +
         second_name + "\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n" + content +
         "\r\n--XyZ--\r\n";
}

TEST(FormField, FindsTheNamedPartWithBinaryContent) {
  const std::string content("RIFF\0\r\n--Xy\r\n\xff", 14);  // a near-delimiter inside the data
  const std::string body = two_part_body("file", content);
  auto field = find_form_field(body, "multipart/form-data; boundary=XyZ", "file");
  ASSERT_EQ(field.outcome, FormFieldOutcome::found);
  EXPECT_EQ(field.content, content);
  auto note = find_form_field(body, "multipart/form-data; boundary=\"XyZ\"", "note");
  ASSERT_EQ(note.outcome, FormFieldOutcome::found);
  EXPECT_EQ(note.content, "hello");
}

TEST(FormField, MissingAndMalformedBodies) {
  EXPECT_EQ(
      find_form_field(two_part_body("upload", "x"), "multipart/form-data; boundary=XyZ", "file")
          .outcome,
      FormFieldOutcome::missing);
  const auto malformed = [](std::string_view body, std::string_view type) {
    return find_form_field(body, type, "file").outcome == FormFieldOutcome::malformed;
  };
  EXPECT_TRUE(malformed(two_part_body("file", "x"), "multipart/form-data"));  // no boundary
  EXPECT_TRUE(malformed("no delimiter at all", "multipart/form-data; boundary=XyZ"));
  EXPECT_TRUE(malformed("--XyZ", "multipart/form-data; boundary=XyZ"));
  EXPECT_TRUE(malformed("--XyZjunk", "multipart/form-data; boundary=XyZ"));
  EXPECT_TRUE(malformed("--XyZ\r\nContent-Disposition: form-data; name=\"file\"",
                        "multipart/form-data; boundary=XyZ"));  // headers never end
  EXPECT_TRUE(malformed("--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ndata",
                        "multipart/form-data; boundary=XyZ"));  // no closing delimiter
}

TEST(FormField, ABoundaryHasAtMost70Characters) {
  const auto body_with = [](const std::string& boundary) {
    return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--" +
           boundary + "--\r\n";
  };
  const std::string longest(kMaxBoundaryLength, 'b');
  const std::string body = body_with(longest);  // the field is a view into it
  const auto found = find_form_field(body, "multipart/form-data; boundary=" + longest, "file");
  ASSERT_EQ(found.outcome, FormFieldOutcome::found);
  EXPECT_EQ(found.content, "abc");
  for (std::size_t length : {kMaxBoundaryLength + 1, std::size_t{8192}}) {
    const std::string boundary(length, 'b');
    EXPECT_EQ(
        find_form_field(body_with(boundary), "multipart/form-data; boundary=" + boundary, "file")
            .outcome,
        FormFieldOutcome::malformed)
        << length;
  }
}

// Bodies built so that a naive search compares most of the delimiter at every byte: 20 MB of
// '-' against a boundary of 69 '-' and an 'x'. They must be answered correctly; the test's
// timeout is what holds the time (a quadratic search took seconds).
TEST(FormField, NearDelimitersEverywhereStillGiveTheAnswer) {
  const std::string boundary = std::string(kMaxBoundaryLength - 1, '-') + "x";
  const std::string type = "multipart/form-data; boundary=\"" + boundary + "\"";
  const std::string dashes(20u << 20, '-');
  EXPECT_EQ(find_form_field(dashes, type, "file").outcome, FormFieldOutcome::malformed);
  const std::string body = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" + dashes +
                           "\r\n--" + boundary + "--\r\n";
  const auto field = find_form_field(body, type, "file");
  ASSERT_EQ(field.outcome, FormFieldOutcome::found);
  EXPECT_EQ(field.content.size(), dashes.size());
  const std::string unterminated =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" + dashes;
  EXPECT_EQ(find_form_field(unterminated, type, "file").outcome, FormFieldOutcome::malformed);
}

TEST(QueryParameter, DecodesTheFirstOccurrence) {
  EXPECT_EQ(query_parameter("/p?model_name=pump_v1", "model_name"), "pump_v1");
  EXPECT_EQ(query_parameter("/p?a=1&model_name=a%20b+c&model_name=x", "model_name"), "a b c");
  EXPECT_EQ(query_parameter("/p?model%5Fname=z", "model_name"), "z");
  EXPECT_EQ(query_parameter("/p?model_name=", "model_name"), "");
  EXPECT_EQ(query_parameter("/p?model_name", "model_name"), "");
  EXPECT_EQ(query_parameter("/p?model_name=a#frag", "model_name"), "a");
  EXPECT_EQ(query_parameter("/p?bad=%zz%4", "bad"), "%zz%4");  // kept as sent
  EXPECT_EQ(query_parameter("/p", "model_name"), std::nullopt);
  EXPECT_EQ(query_parameter("/p?other=1", "model_name"), std::nullopt);
  EXPECT_EQ(query_parameter("/p?&&=&", "model_name"), std::nullopt);
}

TEST(QueryFlag, ReadsABooleanAsFastApiDoes) {
  const auto flag = [](std::string_view target, bool absent = false) {
    auto value = query_flag(target, "overview", absent);
    return std::holds_alternative<bool>(value) ? std::optional(std::get<bool>(value))
                                               : std::nullopt;
  };
  for (const char* yes : {"true", "TRUE", "1", "yes", "On"}) {
    EXPECT_EQ(flag(std::string("/a?overview=") + yes), true) << yes;
  }
  for (const char* no : {"false", "0", "No", "off"}) {
    EXPECT_EQ(flag(std::string("/a?overview=") + no, true), false) << no;
  }
  EXPECT_EQ(flag("/a", true), true);  // absent: the default
  EXPECT_EQ(flag("/a?other=1"), false);
  for (const char* bad : {"/a?overview=", "/a?overview", "/a?overview=2", "/a?overview=maybe"}) {
    const auto value = query_flag(bad, "overview", false);
    ASSERT_TRUE(std::holds_alternative<HttpErrorResponse>(value)) << bad;
    EXPECT_EQ(std::get<HttpErrorResponse>(value).status, 422) << bad;
  }
}

TEST(JobBody, OptionalFieldsMayBeAbsentOrNull) {
  const auto job = parse_job_body(
      R"({"audio_url": "https://x/a.mp3", "model_name": null, "callback_url": "http://cb/done"})");
  ASSERT_TRUE(std::holds_alternative<JobRequest>(job));
  EXPECT_EQ(std::get<JobRequest>(job), (JobRequest{"https://x/a.mp3", "", "http://cb/done"}));
}

TEST(JobBody, EachFieldIsCheckedWithItsOwnLoc) {
  const auto loc_of = [](std::string_view body) {
    const auto result = parse_job_body(body);
    const auto& error = std::get<HttpErrorResponse>(result);
    EXPECT_EQ(error.status, 422);
    return nlohmann::json::parse(error.body)["detail"][0]["loc"];
  };
  EXPECT_EQ(loc_of("{}"), (nlohmann::json{"body", "audio_url"}));
  EXPECT_EQ(loc_of(R"({"audio_url": "https://x", "callback_url": "ftp://y"})"),
            (nlohmann::json{"body", "callback_url"}));
  EXPECT_EQ(loc_of(R"({"audio_url": "https://x", "model_name": []})"),
            (nlohmann::json{"body", "model_name"}));
  EXPECT_EQ(loc_of("[1]"), (nlohmann::json{"body"}));
}

TEST(JobBatchBody, AListOrAnObjectWithJobsWithinItsLimit) {
  EXPECT_EQ(std::get<std::vector<JobRequest>>(
                parse_job_batch_body(
                    R"([{"audio_url": "https://x/1"}, {"audio_url": "https://x/2"}])", 2))
                .size(),
            2u);
  EXPECT_EQ(std::get<std::vector<JobRequest>>(
                parse_job_batch_body(R"({"jobs": [{"audio_url": "https://x/1"}]})", 2))
                .size(),
            1u);
  for (const char* bad : {"[]", R"({"jobs": 3})", R"({})", "[{}, {}, {}]", "nope"}) {
    EXPECT_EQ(std::get<HttpErrorResponse>(parse_job_batch_body(bad, 2)).status, 422) << bad;
  }
}

}  // namespace
}  // namespace earshot::service
