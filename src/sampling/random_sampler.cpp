#include "sampling/random_sampler.hpp"

#include "sampling/random_bits.hpp"

namespace greentune {
namespace {
constexpr uint64_t kRandomSalt = 0x72616E646F6DULL;  // "random"
}  // namespace

Result<Params> RandomSampler::sample(const SampleRequest& req) const {
  uint64_t seed = seed_.value_or(req.seed);
  std::mt19937_64 gen(derive_seed(seed, kRandomSalt, static_cast<uint64_t>(req.number)));
  Params params;
  for (size_t i = 0; i < req.space.size(); ++i) {
    params.emplace(req.space.params()[i].name, req.space.decode(i, unit_double(gen())));
  }
  return params;
}

}  // namespace greentune
