// Time behind an interface, so the orchestrator can be tested without sleeping.
#pragma once

namespace greentune {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now() = 0;        // seconds since the Unix epoch (wall clock)
  virtual double monotonic() = 0;  // seconds, only differences are meaningful
  virtual void sleep(double seconds) = 0;
};

// The real clock.  Thread-safe; lives for the whole program.
Clock& system_clock();

}  // namespace greentune
