// Signal level in dBm0 (spandsp power_meter): one per direction per channel.
#pragma once

#include <cstddef>
#include <cstdint>

#include <spandsp.h>

namespace sipline::dsp {

/** Level reported for a silent signal, in dBm0 (below anything G.711 carries). */
constexpr float kSilenceDbm0 = -96.0f;

class PowerMeter {
 public:
  /** dampingShift: time constant of 2^shift samples (10: 128 ms at 8 kHz). */
  explicit PowerMeter(int dampingShift = 10);
  ~PowerMeter();
  PowerMeter(const PowerMeter&) = delete;
  PowerMeter& operator=(const PowerMeter&) = delete;

  /** Samples in, count out. */
  std::size_t rx(const int16_t* amp, std::size_t n);
  float levelDbm0() const;

 private:
  power_meter_t* meter_;
};

}  // namespace sipline::dsp
