// Thread-safe counters, gauges and histograms with labels, rendered in the Prometheus text
// exposition format (version 0.0.4). Just what /metrics needs, without a client library: the
// instruments are cheap enough for every request (one short mutex hold) and a scrape formats
// everything in one pass.
//
//   prometheus::Histogram latency("earshot_http_request_duration_seconds", "Request latency.",
//                                 {"route", "status"}, prometheus::kLatencyBuckets);
//   latency.observe({"/analyze", "200"}, 0.042);
//   std::string text;
//   latency.render(text);   // # HELP ..., # TYPE ... histogram, _bucket{le=...}, _sum, _count
//
// Label values are escaped on output (backslash, quote, newline). Names are the caller's
// responsibility ([a-zA-Z_:][a-zA-Z0-9_:]*), checked by the tests of the service's metric set.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace earshot::service::prometheus {

// Upper bounds (seconds) from 1 ms to 2 min: HTTP latency and analysis time.
inline constexpr double kLatencyBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,  0.25,
                                             0.5,   1.0,    2.5,   5.0,  10.0,  30.0, 60.0, 120.0};

using LabelValues = std::vector<std::string>;

// A monotonically increasing sum per label set (use no labels for a single series).
class Counter {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  void add(const LabelValues& labels, double amount = 1.0);
  void add(double amount = 1.0) { add({}, amount); }
  double value(const LabelValues& labels = {}) const;  // 0 for a label set never seen
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<LabelValues, double> values_;
};

// A value that goes up and down, without labels.
class Gauge {
 public:
  Gauge(std::string name, std::string help);
  void add(double amount);
  void set(double value);
  double value() const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  mutable std::mutex mutex_;
  double value_ = 0.0;
};

// Cumulative buckets with fixed upper bounds (ascending), plus _sum and _count, per label set.
class Histogram {
 public:
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::span<const double> upper_bounds);
  void observe(const LabelValues& labels, double value);
  std::uint64_t count(const LabelValues& labels = {}) const;
  void render(std::string& out) const;

 private:
  struct Series {
    std::vector<std::uint64_t> buckets;  // non-cumulative counts; one per bound, then +Inf
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> upper_bounds_;
  mutable std::mutex mutex_;
  std::map<LabelValues, Series> series_;
};

// Formats a sample value as Prometheus reads it: shortest round-trip decimal, +Inf, -Inf, NaN.
std::string format_value(double value);

// `{a="x",b="y"}` with values escaped; "" when there are no labels.
std::string format_labels(std::span<const std::string> names, std::span<const std::string> values);

}  // namespace earshot::service::prometheus
