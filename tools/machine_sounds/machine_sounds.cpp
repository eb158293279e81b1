#include "machine_sounds/machine_sounds.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <numbers>
#include <random>

namespace earshot::tools {
namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

constexpr int kMinSampleRate = 8000;
constexpr int kMaxSampleRate = 192000;
constexpr double kMaxSeconds = 600.0;

// A parameter's range: drawn uniformly for a machine, or set by a fault's severity in [0, 1]
// (0 the faintest fault that is still there, 1 an obvious one).
struct Range {
  double low;
  double high;
  double at(double fraction) const { return low + (high - low) * fraction; }
};

// --- The healthy machine: an electric motor driving a pump or fan. ---
constexpr Range kShaftHz{20.0, 60.0};  // 1200-3600 rpm
// Shaft harmonics are what makes a motor sound like one; their colour (amplitude ~ k^-tilt,
// each scaled at random) is what tells two machines apart.
constexpr int kShaftHarmonics = 10;
constexpr Range kHarmonicTilt{0.6, 1.4};
constexpr Range kHarmonicScatter{0.3, 1.0};
// The impeller's blade-pass tone (blades x shaft speed), a fainter partial above the hum.
constexpr int kMinBlades = 5;
constexpr int kBladeChoices = 7;  // 5..11 blades
constexpr Range kBladeAmplitude{0.05, 0.3};
// Mains hum from the motor's magnetic circuit: magnetostriction makes twice the line frequency
// the strongest component, the others are fainter.
constexpr int kMainsHarmonics = 4;
constexpr std::array<Range, kMainsHarmonics> kMainsAmplitude{
    {{0.1, 0.4}, {1.0, 1.0}, {0.1, 0.4}, {0.05, 0.3}}};
// Load and supply changes make the speed wander slowly: a few slow sinusoids whose depths add
// up to a fraction of a percent of the speed.
constexpr int kDriftTerms = 3;
constexpr Range kDriftDepth{0.002, 0.01};
constexpr Range kDriftHz{0.05, 0.4};
// Fan and airflow noise: white noise through a broad resonance (the duct or casing), plus a
// low-passed hiss that reaches higher, so that normal clips have some energy above 2 kHz too.
constexpr Range kFanCentreHz{300.0, 1500.0};
constexpr Range kFanQ{0.5, 1.5};
constexpr Range kHissCutoffHz{1000.0, 3000.0};
constexpr Range kHissShare{0.2, 0.6};
// The blades chop the airflow, so its noise swells and fades at the blade-pass rate.
constexpr Range kBladeNoiseModulation{0.0, 0.3};
// No rotor is perfectly balanced: a healthy machine wobbles a little once per turn too, so an
// unbalance fault is a matter of degree.
constexpr Range kResidualWobble{0.0, 0.05};
// Mixing weights relative to the shaft hum (each component scaled to unit RMS first).
constexpr Range kMainsWeight{0.15, 0.5};
constexpr Range kFanWeight{0.3, 1.0};
// Recording: the machine's level, and a quieter, mostly low-frequency room noise.
constexpr Range kLevelDbfs{-30.0, -18.0};
constexpr Range kRoomDbfs{-66.0, -54.0};
constexpr double kRoomCutoffHz = 400.0;
constexpr double kRoomHissShare = 0.3;
constexpr double kMaxPeak = 0.95;  // headroom below full scale after the impacts of a fault

// --- Faults. Additive ones are scaled to a level relative to the healthy machine's RMS. ---
// Bearing: rolling elements pass a defect 3-5 times per turn (the ball-pass frequencies of
// common bearings); each impact rings a stiff structural mode, which is why bearing faults are
// heard and measured at high frequencies. The load zone makes impacts stronger at one angle.
constexpr Range kDefectRatio{3.0, 5.0};
constexpr Range kResonanceHz{2000.0, 6000.0};
constexpr double kMaxResonanceShare = 0.4;  // of the sample rate, to stay below Nyquist
constexpr Range kRingDecaySeconds{0.3e-3, 1.5e-3};
constexpr Range kLoadModulation{0.2, 0.8};
constexpr double kImpactSlip = 0.01;    // rolling elements slip: impact spacing jitters by ~1 %
constexpr double kImpactSpread = 0.15;  // and no two impacts are equally hard
constexpr Range kBearingLevelDb{-14.0, 0.0};
// Rubbing: friction noise is broadband; a high-pass keeps it apart from the hum it rides on.
constexpr Range kContactProbability{0.3, 1.0};  // of a turn rubbing at all
constexpr Range kBurstTurns{0.05, 0.25};        // how long one contact lasts, in turns
constexpr Range kBurstAmplitude{0.5, 1.0};
constexpr Range kFrictionHighpassHz{500.0, 2000.0};
constexpr Range kRubbingLevelDb{-16.0, 0.0};
// Unbalance/looseness: the heavy spot swings the casing once per turn, modulating both the
// level and the speed, and feeds the 1x and 2x shaft harmonics.
constexpr Range kLevelWobble{0.2, 0.6};
constexpr Range kSpeedWobble{0.02, 0.1};
constexpr Range kGain1x{2.0, 5.0};
constexpr Range kGain2x{1.3, 3.0};

// Reproducible random numbers from the raw output of std::mt19937_64, which the standard fixes
// bit for bit (its distributions are not).
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double in(Range range) { return range.at(uniform()); }
  int index(int count) { return std::min(count - 1, static_cast<int>(uniform() * count)); }
  bool chance(double probability) { return uniform() < probability; }
  double angle() { return kTwoPi * uniform(); }
  double gaussian() {  // Box-Muller; 1 - u keeps the logarithm finite
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    return radius * std::cos(kTwoPi * uniform());
  }

 private:
  std::mt19937_64 engine_;
};

// SplitMix64's finaliser: nearby seeds give unrelated streams.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Each part of a clip draws from its own stream, so that the normal and anomalous clips of a
// seed share the machine and its noise, and a fault never shifts what the machine draws.
enum class Stream : std::uint64_t { machine = 1, machine_noise, fault_choice, fault, room };

Random stream(std::uint64_t seed, Stream which) {
  return Random(mix(seed ^ mix(static_cast<std::uint64_t>(which))));
}

double db_to_gain(double db) {
  return std::pow(10.0, db / 20.0);
}

double rms(const std::vector<double>& x) {
  double sum = 0.0;
  for (double v : x) sum += v * v;
  return x.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(x.size()));
}

void scale_to_rms(std::vector<double>& x, double target) {
  const double current = rms(x);
  if (current <= 0.0) return;
  for (double& v : x) v *= target / current;
}

// First-order smoother: low-pass output, or what it removes (high-pass).
class OnePole {
 public:
  OnePole(double cutoff_hz, int sample_rate)
      : coefficient_(std::exp(-kTwoPi * cutoff_hz / sample_rate)) {}
  double lowpass(double x) { return state_ += (1.0 - coefficient_) * (x - state_); }
  double highpass(double x) { return x - lowpass(x); }

 private:
  double coefficient_;
  double state_ = 0.0;
};

// Band-pass biquad with 0 dB at the centre (Audio EQ Cookbook), transposed direct form II.
class BandPass {
 public:
  BandPass(double centre_hz, double q, int sample_rate) {
    const double w0 = kTwoPi * centre_hz / sample_rate;
    const double alpha = std::sin(w0) / (2.0 * q);
    const double a0 = 1.0 + alpha;
    b0_ = alpha / a0;
    a1_ = -2.0 * std::cos(w0) / a0;
    a2_ = (1.0 - alpha) / a0;
  }
  double operator()(double x) {
    const double y = b0_ * x + s1_;
    s1_ = -a1_ * y + s2_;
    s2_ = -b0_ * x - a2_ * y;  // b1 = 0, b2 = -b0
    return y;
  }

 private:
  double b0_ = 0.0, a1_ = 0.0, a2_ = 0.0;
  double s1_ = 0.0, s2_ = 0.0;
};

struct DriftTerm {
  double depth;
  double hz;
  double phase;
};

struct Machine {
  double shaft_hz = 0.0;
  std::array<double, kShaftHarmonics> harmonic_amplitude{};
  std::array<double, kShaftHarmonics> harmonic_phase{};
  int blades = 0;
  double blade_amplitude = 0.0;
  double blade_phase = 0.0;
  double mains_hz = 0.0;
  std::array<double, kMainsHarmonics> mains_amplitude{};
  std::array<double, kMainsHarmonics> mains_phase{};
  std::array<DriftTerm, kDriftTerms> drift{};
  double fan_centre_hz = 0.0;
  double fan_q = 0.0;
  double hiss_cutoff_hz = 0.0;
  double hiss_share = 0.0;
  double blade_noise_modulation = 0.0;
  double residual_wobble = 0.0;
  double heavy_angle = 0.0;
  double mains_weight = 0.0;
  double fan_weight = 0.0;
  double level_dbfs = 0.0;
  double room_dbfs = 0.0;
};

void draw_drift(Machine& m, Random& random) {
  std::array<double, kDriftTerms> share{};
  for (double& s : share) s = random.uniform() + 0.1;
  const double total = share[0] + share[1] + share[2];
  const double depth = random.in(kDriftDepth);
  for (int j = 0; j < kDriftTerms; ++j)
    m.drift[j] = {depth * share[j] / total, random.in(kDriftHz), random.angle()};
}

Machine draw_machine(Random& random) {
  Machine m;
  m.shaft_hz = random.in(kShaftHz);
  const double tilt = random.in(kHarmonicTilt);
  for (int k = 0; k < kShaftHarmonics; ++k) {
    m.harmonic_amplitude[k] = std::pow(k + 1.0, -tilt) * random.in(kHarmonicScatter);
    m.harmonic_phase[k] = random.angle();
  }
  m.blades = kMinBlades + random.index(kBladeChoices);
  m.blade_amplitude = random.in(kBladeAmplitude);
  m.blade_phase = random.angle();
  m.mains_hz = random.chance(0.5) ? 50.0 : 60.0;
  for (int h = 0; h < kMainsHarmonics; ++h) {
    m.mains_amplitude[h] = random.in(kMainsAmplitude[h]);
    m.mains_phase[h] = random.angle();
  }
  draw_drift(m, random);
  m.fan_centre_hz = random.in(kFanCentreHz);
  m.fan_q = random.in(kFanQ);
  m.hiss_cutoff_hz = random.in(kHissCutoffHz);
  m.hiss_share = random.in(kHissShare);
  m.blade_noise_modulation = random.in(kBladeNoiseModulation);
  m.residual_wobble = random.in(kResidualWobble);
  m.heavy_angle = random.angle();
  m.mains_weight = random.in(kMainsWeight);
  m.fan_weight = random.in(kFanWeight);
  m.level_dbfs = random.in(kLevelDbfs);
  m.room_dbfs = random.in(kRoomDbfs);
  return m;
}

// How unbalanced the rotor is; a healthy machine has only its residual level wobble.
struct Unbalance {
  double heavy_angle = 0.0;
  double level_wobble = 0.0;
  double speed_wobble = 0.0;
  double gain_1x = 1.0;
  double gain_2x = 1.0;
};

struct Bearing {
  double defect_ratio;
  double resonance_hz;
  double ring_decay_seconds;
  double load_modulation;
  double load_angle;
};

struct Rubbing {
  double contact_angle;
  double contact_probability;
  double burst_turns;
  double highpass_hz;
};

// The shaft's angle at every sample, in radians: slow drift, and the once-per-turn speed wobble
// of an unbalanced rotor. Every shaft-locked component reads its phase from here.
std::vector<double> shaft_angle(const Machine& m, const Unbalance& u, int rate, std::size_t n) {
  std::vector<double> angle(n);
  double a = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    double drift = 0.0;
    for (const DriftTerm& d : m.drift) drift += d.depth * std::sin(kTwoPi * d.hz * t + d.phase);
    const double wobble = u.speed_wobble * std::cos(a + u.heavy_angle);
    angle[i] = a;
    a += kTwoPi * m.shaft_hz * (1.0 + drift) * (1.0 + wobble) / rate;
  }
  return angle;
}

std::vector<double> shaft_hum(const Machine& m, const Unbalance& u,
                              const std::vector<double>& angle) {
  std::array<double, kShaftHarmonics> amplitude = m.harmonic_amplitude;
  amplitude[0] *= u.gain_1x;
  amplitude[1] *= u.gain_2x;
  std::vector<double> hum(angle.size());
  for (std::size_t i = 0; i < angle.size(); ++i) {
    double v = m.blade_amplitude * std::sin(m.blades * angle[i] + m.blade_phase);
    for (int k = 0; k < kShaftHarmonics; ++k)
      v += amplitude[k] * std::sin((k + 1) * angle[i] + m.harmonic_phase[k]);
    hum[i] = v;
  }
  return hum;
}

std::vector<double> mains_hum(const Machine& m, int rate, std::size_t n) {
  std::vector<double> hum(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    for (int h = 0; h < kMainsHarmonics; ++h)
      hum[i] +=
          m.mains_amplitude[h] * std::sin(kTwoPi * (h + 1) * m.mains_hz * t + m.mains_phase[h]);
  }
  return hum;
}

std::vector<double> fan_noise(const Machine& m, const std::vector<double>& angle, int rate,
                              Random& random) {
  BandPass casing(m.fan_centre_hz, m.fan_q, rate);
  OnePole airflow(m.hiss_cutoff_hz, rate);
  std::vector<double> rumble(angle.size()), hiss(angle.size());
  for (std::size_t i = 0; i < angle.size(); ++i) {
    rumble[i] = casing(random.gaussian());
    hiss[i] = airflow.lowpass(random.gaussian());
  }
  scale_to_rms(rumble, 1.0 - m.hiss_share);
  scale_to_rms(hiss, m.hiss_share);
  for (std::size_t i = 0; i < angle.size(); ++i) {
    const double chop = 1.0 + m.blade_noise_modulation * std::cos(m.blades * angle[i]);
    rumble[i] = (rumble[i] + hiss[i]) * chop;
  }
  scale_to_rms(rumble, 1.0);
  return rumble;
}

std::vector<double> healthy_machine(const Machine& m, const Unbalance& u,
                                    const std::vector<double>& angle, int rate, Random& random) {
  std::vector<double> sound = shaft_hum(m, u, angle);
  scale_to_rms(sound, 1.0);
  std::vector<double> mains = mains_hum(m, rate, angle.size());
  scale_to_rms(mains, m.mains_weight);
  const std::vector<double> fan = fan_noise(m, angle, rate, random);
  for (std::size_t i = 0; i < sound.size(); ++i) {
    const double wobble = 1.0 + u.level_wobble * std::cos(angle[i] + u.heavy_angle);
    sound[i] = (sound[i] + mains[i] + m.fan_weight * fan[i]) * wobble;
  }
  return sound;
}

// Impacts, each struck when the defect phase (defect_ratio x shaft angle) completes a turn,
// ringing a two-pole resonator: a struck mode decaying with the given time constant.
std::vector<double> bearing_impacts(const Bearing& b, const std::vector<double>& angle, int rate,
                                    Random& random) {
  const double r = std::exp(-1.0 / (b.ring_decay_seconds * rate));
  const double feedback = 2.0 * r * std::cos(kTwoPi * b.resonance_hz / rate);
  double next_impact = random.angle();
  double y1 = 0.0, y2 = 0.0;
  std::vector<double> ring(angle.size());
  for (std::size_t i = 0; i < angle.size(); ++i) {
    double strike = 0.0;
    if (b.defect_ratio * angle[i] >= next_impact) {
      const double load = 1.0 + b.load_modulation * std::cos(angle[i] - b.load_angle);
      strike = std::max(0.0, load * (1.0 + kImpactSpread * random.gaussian()));
      next_impact += kTwoPi * std::max(0.5, 1.0 + kImpactSlip * random.gaussian());
    }
    const double y = strike + feedback * y1 - r * r * y2;
    y2 = y1;
    y1 = y;
    ring[i] = y;
  }
  return ring;
}

// Friction noise gated by a smooth (sin^2) burst that starts as the rubbing spot passes the
// contact angle, on the turns where it touches.
std::vector<double> rubbing_bursts(const Rubbing& rub, const Machine& m,
                                   const std::vector<double>& angle, int rate, Random& random) {
  OnePole friction(rub.highpass_hz, rate);
  const double burst_samples = rub.burst_turns * rate / m.shaft_hz;
  auto turn_of = [&](double a) { return std::floor((a - rub.contact_angle) / kTwoPi); };
  double turn = angle.empty() ? 0.0 : turn_of(angle[0]);
  double burst_start = -burst_samples;
  double burst_amplitude = 0.0;
  std::vector<double> bursts(angle.size());
  for (std::size_t i = 0; i < angle.size(); ++i) {
    const double noise = friction.highpass(random.gaussian());
    if (turn_of(angle[i]) != turn) {
      turn = turn_of(angle[i]);
      if (random.chance(rub.contact_probability)) {
        burst_start = static_cast<double>(i);
        burst_amplitude = random.in(kBurstAmplitude);
      }
    }
    const double into_burst = static_cast<double>(i) - burst_start;
    if (into_burst < burst_samples) {
      const double s = std::sin(std::numbers::pi * into_burst / burst_samples);
      bursts[i] = burst_amplitude * s * s * noise;
    }
  }
  return bursts;
}

void add_at_level(std::vector<double>& sound, std::vector<double> fault, double level_db) {
  scale_to_rms(fault, rms(sound) * db_to_gain(level_db));
  for (std::size_t i = 0; i < sound.size(); ++i) sound[i] += fault[i];
}

// The recording: the machine at its level, room noise, and headroom for the loudest impact.
std::vector<float> record(std::vector<double> sound, const Machine& m, int rate, Random& random) {
  scale_to_rms(sound, db_to_gain(m.level_dbfs));
  OnePole room(kRoomCutoffHz, rate);
  std::vector<double> noise(sound.size());
  for (double& v : noise) {
    const double white = random.gaussian();
    v = room.lowpass(white) + kRoomHissShare * white;
  }
  scale_to_rms(noise, db_to_gain(m.room_dbfs));
  double peak = 0.0;
  for (std::size_t i = 0; i < sound.size(); ++i) {
    sound[i] += noise[i];
    peak = std::max(peak, std::abs(sound[i]));
  }
  const double headroom = peak > kMaxPeak ? kMaxPeak / peak : 1.0;
  std::vector<float> out(sound.size());
  for (std::size_t i = 0; i < sound.size(); ++i) out[i] = static_cast<float>(sound[i] * headroom);
  return out;
}

std::size_t frame_count(const MachineSoundOptions& options) {
  return static_cast<std::size_t>(std::llround(options.seconds * options.sample_rate));
}

// One clip; `fault` empty for a healthy machine.
std::vector<float> synthesise(const MachineSoundOptions& options, std::uint64_t seed,
                              std::optional<MachineFault> fault) {
  if (invalid_options(options)) return {};
  const int rate = options.sample_rate;
  Random machine_random = stream(seed, Stream::machine);
  const Machine machine = draw_machine(machine_random);
  Random fault_random = stream(seed, Stream::fault);
  const double severity =
      options.min_severity + (1.0 - options.min_severity) * fault_random.uniform();

  // Unbalance is the one fault that changes the machine itself rather than adding a sound.
  Unbalance unbalance{machine.heavy_angle, machine.residual_wobble, 0.0, 1.0, 1.0};
  if (fault == MachineFault::unbalance) {
    unbalance = {machine.heavy_angle, kLevelWobble.at(severity), kSpeedWobble.at(severity),
                 kGain1x.at(severity), kGain2x.at(severity)};
  }
  const std::vector<double> angle = shaft_angle(machine, unbalance, rate, frame_count(options));
  Random noise_random = stream(seed, Stream::machine_noise);
  std::vector<double> sound = healthy_machine(machine, unbalance, angle, rate, noise_random);

  if (fault == MachineFault::bearing) {
    const Bearing bearing{fault_random.in(kDefectRatio),
                          std::min(fault_random.in(kResonanceHz), kMaxResonanceShare * rate),
                          fault_random.in(kRingDecaySeconds), fault_random.in(kLoadModulation),
                          fault_random.angle()};
    add_at_level(sound, bearing_impacts(bearing, angle, rate, fault_random),
                 kBearingLevelDb.at(severity));
  } else if (fault == MachineFault::rubbing) {
    const Rubbing rubbing{fault_random.angle(), fault_random.in(kContactProbability),
                          fault_random.in(kBurstTurns), fault_random.in(kFrictionHighpassHz)};
    add_at_level(sound, rubbing_bursts(rubbing, machine, angle, rate, fault_random),
                 kRubbingLevelDb.at(severity));
  }
  Random room_random = stream(seed, Stream::room);
  return record(std::move(sound), machine, rate, room_random);
}

// --- 16-bit PCM mono RIFF/WAVE ---
constexpr std::size_t kWavHeaderBytes = 44;
constexpr std::uint32_t kWavBytesPerSample = 2;

// Little-endian, whatever the host; returns the position after the value. (Filling a buffer
// sized up front: pushing bytes one by one trips a false -Wstringop-overflow in GCC 12 at -O2.)
unsigned char* put_le(unsigned char* at, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) *at++ = static_cast<unsigned char>(value >> (8 * i));
  return at;
}

unsigned char* put_tag(unsigned char* at, const char (&tag)[5]) {
  return std::copy(tag, tag + 4, at);
}

// The canonical header: "RIFF", a 16-byte "fmt " chunk, the "data" chunk header.
void put_wav_header(unsigned char* at, std::uint32_t data_bytes, int sample_rate) {
  const auto rate = static_cast<std::uint32_t>(sample_rate);
  at = put_le(put_tag(at, "RIFF"), kWavHeaderBytes - 8 + data_bytes, 4);
  at = put_le(put_tag(put_tag(at, "WAVE"), "fmt "), 16, 4);
  at = put_le(at, 1, 2);  // PCM
  at = put_le(at, 1, 2);  // mono
  at = put_le(at, rate, 4);
  at = put_le(at, rate * kWavBytesPerSample, 4);  // bytes per second
  at = put_le(at, kWavBytesPerSample, 2);         // bytes per frame
  at = put_le(at, 16, 2);                         // bits per sample
  put_le(put_tag(at, "data"), data_bytes, 4);
}

// Scaled by 32768, the factor decoders divide by, so that a decoder gives back x to within half
// a step; full scale clips and anything not finite is silence.
std::int16_t to_pcm16(float x) {
  if (!std::isfinite(x)) return 0;
  const double scaled = std::nearbyint(static_cast<double>(x) * 32768.0);
  return static_cast<std::int16_t>(std::clamp(scaled, -32768.0, 32767.0));
}

}  // namespace

std::optional<std::string> invalid_options(const MachineSoundOptions& options) {
  char why[160];
  if (options.sample_rate < kMinSampleRate || options.sample_rate > kMaxSampleRate) {
    std::snprintf(why, sizeof why, "sample rate %d Hz is outside %d..%d", options.sample_rate,
                  kMinSampleRate, kMaxSampleRate);
    return why;
  }
  if (!(options.min_severity >= 0.0 && options.min_severity <= 1.0)) {
    std::snprintf(why, sizeof why, "minimum severity %g is outside 0..1", options.min_severity);
    return why;
  }
  if (!(options.seconds > 0.0 && options.seconds <= kMaxSeconds)) {
    std::snprintf(why, sizeof why, "duration %g s is outside (0, %g]", options.seconds,
                  kMaxSeconds);
    return why;
  }
  if (frame_count(options) == 0) {
    std::snprintf(why, sizeof why, "duration %g s is shorter than one sample", options.seconds);
    return why;
  }
  return std::nullopt;
}

std::vector<float> machine_sound(MachineCondition condition, const MachineSoundOptions& options,
                                 std::uint64_t seed) {
  if (condition == MachineCondition::normal) return synthesise(options, seed, std::nullopt);
  constexpr std::array kFaults{MachineFault::bearing, MachineFault::rubbing,
                               MachineFault::unbalance};
  Random choice = stream(seed, Stream::fault_choice);
  return synthesise(options, seed, kFaults[choice.index(static_cast<int>(kFaults.size()))]);
}

std::vector<float> machine_sound(MachineFault fault, const MachineSoundOptions& options,
                                 std::uint64_t seed) {
  return synthesise(options, seed, fault);
}

std::uint64_t clip_seed(std::uint64_t base_seed, MachineCondition condition, int index) {
  const std::uint64_t clip =
      (static_cast<std::uint64_t>(condition) << 32) | static_cast<std::uint32_t>(index);
  return mix(mix(base_seed) ^ mix(clip));
}

std::string_view condition_name(MachineCondition condition) {
  return condition == MachineCondition::normal ? "normal" : "anomalous";
}

bool write_wav_file(const std::filesystem::path& path, std::span<const float> samples,
                    int sample_rate) {
  const std::uint64_t data_bytes = std::uint64_t{kWavBytesPerSample} * samples.size();
  if (sample_rate <= 0 ||
      data_bytes > std::numeric_limits<std::uint32_t>::max() - (kWavHeaderBytes - 8))
    return false;
  std::vector<unsigned char> bytes(kWavHeaderBytes + data_bytes);
  put_wav_header(bytes.data(), static_cast<std::uint32_t>(data_bytes), sample_rate);
  unsigned char* at = bytes.data() + kWavHeaderBytes;
  for (float x : samples) at = put_le(at, static_cast<std::uint16_t>(to_pcm16(x)), 2);

  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  file.close();
  return !file.fail();
}

}  // namespace earshot::tools
