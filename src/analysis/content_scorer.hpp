// What content classification asks of a model: the probabilities of speech, music and noise
// for a chunk of 16 kHz mono audio. The shipped scorer is the content CNN (content_cnn.hpp) over
// the log-mel levels of 1 s chunks; another model (the AST of a registry, CONTENT_MODEL) can
// take its place with chunks of its own length, and the classifier then gives each 1 s window
// of a chunk the chunk's scores. Silence is never the scorer's decision: it is decided by level
// per 1 s window before any chunk is scored.
//
//   const ContentScorer& scorer = ContentScorer::shipped();
//   ChunkScore score = scorer.score(chunk);   // score.probabilities: speech, music, noise
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "analysis/content_context.hpp"

namespace earshot::analysis {

inline constexpr std::size_t kBandShapeSize = 64;

struct ChunkScore {
  std::array<float, 3> probabilities{};  // speech, music, noise; sums to 1
  // The chunk's band shape in dB (dsp::ContentLogMel::band_shape: the mean log-mel level of each
  // band relative to the chunk's mean), when the scorer computes one on 1 s chunks. The
  // classifier compares consecutive windows' shapes to find sound that holds still for seconds,
  // which music does not (the sustained-sound rule of content_timeline.hpp).
  std::optional<std::array<float, kBandShapeSize>> band_shape;
  // The window's embedding for the scorer's context layer (ContentScorer::context), when it has
  // one; empty otherwise.
  std::vector<float> embedding;
};

class ContentScorer {
 public:
  virtual ~ContentScorer() = default;

  // The content model compiled into earshot, on 1 s chunks.
  static const ContentScorer& shipped();

  // Samples (at 16 kHz) the scorer reads at once; the last chunk of a file may be shorter.
  virtual std::size_t chunk_samples() const = 0;
  // The scores of one chunk. Thread-safe.
  virtual ChunkScore score(std::span<const float> chunk) const = 0;
  // The layer that turns consecutive chunks' embeddings into their final probabilities and the
  // probability of music under speech (content_context.hpp), or nullptr: then score()'s
  // probabilities are final.
  virtual const ContentContext* context() const { return nullptr; }
};

}  // namespace earshot::analysis
