#include "service/telemetry/prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace earshot::service::prometheus {
namespace {

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name).append(labels).append(" ").append(format_value(value)).append("\n");
}

}  // namespace

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string format_labels(std::span<const std::string> names, std::span<const std::string> values) {
  if (names.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out.append(names[i]).append("=\"");
    for (const char c : i < values.size() ? std::string_view(values[i]) : std::string_view()) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '"') {
        out += "\\\"";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += '}';
  return out;
}

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void Counter::add(const LabelValues& labels, double amount) {
  std::lock_guard lock(mutex_);
  values_[labels] += amount;
}

double Counter::value(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  const auto it = values_.find(labels);
  return it == values_.end() ? 0.0 : it->second;
}

void Counter::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mutex_);
  if (label_names_.empty() && values_.empty()) sample(out, name_, "", 0.0);
  for (const auto& [labels, value] : values_) {
    sample(out, name_, format_labels(label_names_, labels), value);
  }
}

Gauge::Gauge(std::string name, std::string help) : name_(std::move(name)), help_(std::move(help)) {}

void Gauge::add(double amount) {
  std::lock_guard lock(mutex_);
  value_ += amount;
}

void Gauge::set(double value) {
  std::lock_guard lock(mutex_);
  value_ = value;
}

double Gauge::value() const {
  std::lock_guard lock(mutex_);
  return value_;
}

void Gauge::render(std::string& out) const {
  header(out, name_, help_, "gauge");
  sample(out, name_, "", value());
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::span<const double> upper_bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      upper_bounds_(upper_bounds.begin(), upper_bounds.end()) {}

void Histogram::observe(const LabelValues& labels, double value) {
  // The first bound >= value is the bucket (Prometheus buckets are `le`, inclusive).
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  std::lock_guard lock(mutex_);
  Series& series = series_[labels];
  if (series.buckets.empty()) series.buckets.assign(upper_bounds_.size() + 1, 0);
  ++series.buckets[bucket];
  series.sum += value;
  ++series.count;
}

std::uint64_t Histogram::count(const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  const auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void Histogram::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::vector<std::string> bucket_names = label_names_;
  bucket_names.push_back("le");
  const std::string bucket_name = name_ + "_bucket";
  std::lock_guard lock(mutex_);
  for (const auto& [labels, series] : series_) {
    LabelValues bucket_labels = labels;
    bucket_labels.emplace_back();
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
      cumulative += series.buckets[i];
      bucket_labels.back() =
          i < upper_bounds_.size() ? format_value(upper_bounds_[i]) : std::string("+Inf");
      sample(out, bucket_name, format_labels(bucket_names, bucket_labels),
             static_cast<double>(cumulative));
    }
    const std::string plain = format_labels(label_names_, labels);
    sample(out, name_ + "_sum", plain, series.sum);
    sample(out, name_ + "_count", plain, static_cast<double>(series.count));
  }
}

}  // namespace earshot::service::prometheus
