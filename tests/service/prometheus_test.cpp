// The Prometheus text format as a scraper parses it: HELP/TYPE lines, label escaping,
// cumulative histogram buckets with +Inf, _sum and _count.
#include "service/telemetry/prometheus.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "service/telemetry/metrics.hpp"

namespace earshot::service::prometheus {
namespace {

TEST(Prometheus, ValuesAreShortestRoundTrip) {
  EXPECT_EQ(format_value(1.0), "1");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(2.5e-3), "0.0025");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Prometheus, LabelValuesAreEscaped) {
  const std::vector<std::string> names = {"path", "q"};
  const std::vector<std::string> values = {"a\"b\\c\nd", "x"};
  EXPECT_EQ(format_labels(names, values), R"({path="a\"b\\c\nd",q="x"})");
  EXPECT_EQ(format_labels({}, {}), "");
}

TEST(Prometheus, CounterRendersEachLabelSet) {
  Counter counter("test_total", "Things.", {"kind"});
  counter.add({"b"}, 2);
  counter.add({"a"});
  counter.add({"b"}, 0.5);
  EXPECT_EQ(counter.value({"b"}), 2.5);
  EXPECT_EQ(counter.value({"never"}), 0.0);
  std::string text;
  counter.render(text);
  EXPECT_EQ(text,
            "# HELP test_total Things.\n# TYPE test_total counter\n"
            "test_total{kind=\"a\"} 1\ntest_total{kind=\"b\"} 2.5\n");
}

TEST(Prometheus, UnlabelledCounterShowsZeroBeforeAnyEvent) {
  Counter counter("bytes_total", "Bytes.");
  std::string text;
  counter.render(text);
  EXPECT_NE(text.find("\nbytes_total 0\n"), std::string::npos) << text;
}

TEST(Prometheus, GaugeGoesUpAndDown) {
  Gauge gauge("in_flight", "Now.");
  gauge.add(3);
  gauge.add(-1);
  std::string text;
  gauge.render(text);
  EXPECT_EQ(text, "# HELP in_flight Now.\n# TYPE in_flight gauge\nin_flight 2\n");
}

TEST(Prometheus, HistogramBucketsAreCumulativeAndInclusive) {
  const double bounds[] = {0.1, 1.0};
  Histogram histogram("latency_seconds", "Latency.", {"route"}, bounds);
  histogram.observe({"/x"}, 0.1);  // on the bound: counted in le="0.1"
  histogram.observe({"/x"}, 0.5);
  histogram.observe({"/x"}, 7.0);
  EXPECT_EQ(histogram.count({"/x"}), 3u);
  std::string text;
  histogram.render(text);
  EXPECT_EQ(text,
            "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"
            "latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"
            "latency_seconds_sum{route=\"/x\"} 7.6\n"
            "latency_seconds_count{route=\"/x\"} 3\n");
}

TEST(Prometheus, ConcurrentUpdatesAreAllCounted) {
  Counter counter("c_total", "C.", {"k"});
  Histogram histogram("h", "H.", {}, kLatencyBuckets);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.add({"x"});
        histogram.observe({}, 0.01);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value({"x"}), 40000.0);
  EXPECT_EQ(histogram.count(), 40000u);
}

TEST(ServiceMetrics, RendersEveryFamilyWithValidNames) {
  ServiceMetrics metrics;
  metrics.set_queue_depth_source([] { return std::size_t{7}; });
  metrics.requests.add({"/analyze", "POST", "200"});
  const std::string text = metrics.render();
  for (const char* family :
       {"earshot_http_requests_total", "earshot_http_request_duration_seconds",
        "earshot_http_requests_rejected_total", "earshot_http_requests_in_flight",
        "earshot_analysis_duration_seconds", "earshot_audio_seconds_analyzed_total",
        "earshot_download_bytes_total", "earshot_analysis_queue_depth", "earshot_build_info"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
  }
  EXPECT_NE(text.find("earshot_analysis_queue_depth 7\n"), std::string::npos);
  EXPECT_NE(
      text.find(R"(earshot_http_requests_total{route="/analyze",method="POST",status="200"} 1)"),
      std::string::npos);
  // Every sample line is `name{labels} value` with a metric name Prometheus accepts.
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the text must end with a newline";
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("#")) continue;
    ASSERT_FALSE(line.empty());
    const char first = line[0];
    EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(first)) || first == '_') << line;
    EXPECT_NE(line.find(' '), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace earshot::service::prometheus
