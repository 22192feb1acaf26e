// Quasi-Monte Carlo sampling: trial n gets point n of a Sobol sequence with one
// dimension per parameter, decoded through the space.  Sobol points cover the unit cube
// far more evenly than independent draws, so small budgets waste fewer trials.
//
// Randomisation is a random digital shift: each coordinate's 64-bit integer is XORed
// with a word drawn from the seed for that dimension.  That keeps the net structure
// (every 2^m block of points still stratifies the cube) while decorrelating seeds.  It
// is a digital shift, not Owen scrambling (which permutes digits nested by prefix).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "greentune/sampler.hpp"

namespace greentune {

class QmcSampler : public Sampler {
 public:
  // Boost's Sobol tables stop at this many dimensions.
  static constexpr size_t kMaxDimensions = 3667;

  // seed: when set, replaces the study seed of every request.  scramble: apply the
  // seeded digital shift (false gives the plain Sobol sequence, the same for all seeds).
  explicit QmcSampler(std::optional<uint64_t> seed = std::nullopt, bool scramble = true)
      : seed_(seed), scramble_(scramble) {}
  std::string_view name() const override { return "qmc"; }
  bool uses_history() const override { return false; }
  // Trial n's params depend only on (seed, n); computing them costs O(64 * dims), with no
  // state carried from earlier trials.
  Result<Params> sample(const SampleRequest& req) const override;

  // Point `index` of the Sobol sequence as boost::random::sobol generates it (its
  // index-th vector: Boost starts after the all-zero point), each coordinate XORed with
  // shifts[d] (empty: no shift) and mapped to [0, 1).  REQUIRES: 1 <= dims <=
  // kMaxDimensions, shifts empty or of size dims.
  static std::vector<double> point(size_t dims, uint64_t index,
                                   const std::vector<uint64_t>& shifts);
  // The digital shift of each dimension for a seed.
  static std::vector<uint64_t> shifts(size_t dims, uint64_t seed);

 private:
  std::optional<uint64_t> seed_;
  bool scramble_;
};

}  // namespace greentune
