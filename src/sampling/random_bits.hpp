// Portable random bits for samplers.
//
// Samplers must give the same params for the same request on every platform, so they
// use only generators whose output the standard fixes (std::mt19937_64) and turn bits
// into numbers themselves: std::uniform_*_distribution and std::shuffle are
// implementation-defined.
#pragma once

#include <cstdint>
#include <random>

namespace greentune {

// SplitMix64's finalizer: a bijection on 64-bit words that spreads every input bit.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A seed for one purpose (salt) of one trial (or dimension) of a seeded study.
// Distinct (seed, salt, index) give unrelated streams.
inline uint64_t derive_seed(uint64_t seed, uint64_t salt, uint64_t index) {
  return splitmix64(splitmix64(splitmix64(seed) ^ salt) ^ index);
}

// The top 53 bits of a word as a double in [0, 1).
inline double unit_double(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1p-53; }

// Uniform in [0, n), n > 0, without modulo bias.
inline uint64_t uniform_below(std::mt19937_64& gen, uint64_t n) {
  // 2^64 mod n: drawing below it would favour the smallest residues.
  uint64_t reject_below = (uint64_t{0} - n) % n;
  for (;;) {
    uint64_t r = gen();
    if (r >= reject_below) return r % n;
  }
}

}  // namespace greentune
