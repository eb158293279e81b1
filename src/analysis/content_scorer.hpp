// What content classification asks of a model: the probabilities of speech, music and noise
// for a chunk of 16 kHz mono audio. The shipped scorer is the content model over
// content-features-v1 on 1 s chunks; another model (the AST of a registry, CONTENT_MODEL) can
// take its place with chunks of its own length, and the classifier then gives each 1 s window
// of a chunk the chunk's scores. Silence is never the scorer's decision: it is decided by level
// per 1 s window before any chunk is scored.
//
//   const ContentScorer& scorer = ContentScorer::shipped();
//   std::array<float, 3> p = scorer.score(chunk);   // speech, music, noise; sums to 1
#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace earshot::analysis {

class ContentScorer {
 public:
  virtual ~ContentScorer() = default;

  // The content model compiled into earshot, on 1 s chunks.
  static const ContentScorer& shipped();

  // Samples (at 16 kHz) the scorer reads at once; the last chunk of a file may be shorter.
  virtual std::size_t chunk_samples() const = 0;
  // Speech, music and noise probabilities of a chunk, summing to 1. Thread-safe.
  virtual std::array<float, 3> score(std::span<const float> chunk) const = 0;
};

}  // namespace earshot::analysis
