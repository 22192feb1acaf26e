// Built-in test functions: closed-form objectives with known minima, for checking
// samplers and the whole loop without training a model.  Published definitions:
// Branin-Hoo (2-D), Hartmann 6-D, Rosenbrock (n-D).
#pragma once

#include <span>

namespace greentune {

// REQUIRES: x.size() == 2.  Minimum 0.397887 at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475).
double branin(std::span<const double> x);
// REQUIRES: x.size() == 6, usually on [0,1]^6.  Minimum -3.32237 at
// (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
double hartmann6(std::span<const double> x);
// REQUIRES: x.size() >= 2.  Minimum 0 at (1, ..., 1).
double rosenbrock(std::span<const double> x);

}  // namespace greentune
