#include "sampling/qmc_sampler.hpp"

#include <fmt/format.h>

#include <boost/random/sobol.hpp>
#include <exception>

#include "sampling/random_bits.hpp"

namespace greentune {
namespace {
constexpr uint64_t kShiftSalt = 0x736F626F6CULL;  // "sobol"
}  // namespace

std::vector<double> QmcSampler::point(size_t dims, uint64_t index,
                                      const std::vector<uint64_t>& shifts) {
  boost::random::sobol engine(dims);
  // seed(n) jumps straight to the n-th vector through its Gray code: O(64 * dims).
  engine.seed(index);
  std::vector<double> u(dims);
  for (size_t d = 0; d < dims; ++d) {
    uint64_t bits = engine();
    if (!shifts.empty()) bits ^= shifts[d];
    u[d] = unit_double(bits);
  }
  return u;
}

std::vector<uint64_t> QmcSampler::shifts(size_t dims, uint64_t seed) {
  std::vector<uint64_t> out(dims);
  for (size_t d = 0; d < dims; ++d) out[d] = derive_seed(seed, kShiftSalt, d);
  return out;
}

Result<Params> QmcSampler::sample(const SampleRequest& req) const {
  size_t dims = req.space.size();
  if (dims == 0) return Params{};
  if (dims > kMaxDimensions) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("the qmc sampler handles at most {} parameters; the space has "
                                  "{}; use sampler = \"random\"",
                                  kMaxDimensions, dims));
  }
  if (req.number < 0) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("qmc sampler: trial number {} is negative", req.number));
  }
  std::vector<uint64_t> shift =
      scramble_ ? shifts(dims, seed_.value_or(req.seed)) : std::vector<uint64_t>{};
  std::vector<double> u;
  try {
    u = point(dims, static_cast<uint64_t>(req.number), shift);
  } catch (const std::exception& e) {  // Boost reports range errors by throwing
    return make_error(ErrorCode::kInternal, fmt::format("qmc sampler: {}", e.what()));
  }
  Params params;
  for (size_t i = 0; i < dims; ++i)
    params.emplace(req.space.params()[i].name, req.space.decode(i, u[i]));
  return params;
}

}  // namespace greentune
