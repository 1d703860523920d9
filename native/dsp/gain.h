// Fixed gain on the voice path, in dB, saturating like spandsp does.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include <spandsp.h>

namespace sipline::dsp {

class Gain {
 public:
  explicit Gain(float db) : db_(db), factor_(std::pow(10.0f, db / 20.0f)) {}

  /** Samples in place, count out. */
  std::size_t apply(int16_t* amp, std::size_t n) const {
    if (db_ == 0.0f) return n;
    for (std::size_t i = 0; i < n; i++) amp[i] = fsaturatef(amp[i] * factor_);
    return n;
  }

 private:
  float db_;
  float factor_;
};

}  // namespace sipline::dsp
