#include "power_meter.h"

#include <new>

namespace sipline::dsp {

PowerMeter::PowerMeter(int dampingShift) : meter_(power_meter_init(nullptr, dampingShift)) {
  if (!meter_) throw std::bad_alloc();
}

PowerMeter::~PowerMeter() { power_meter_free(meter_); }

std::size_t PowerMeter::rx(const int16_t* amp, std::size_t n) {
  for (std::size_t i = 0; i < n; i++) power_meter_update(meter_, amp[i]);
  return n;
}

float PowerMeter::levelDbm0() const {
  // power_meter_current_dbm0 takes log10 of the reading: guard silence.
  if (power_meter_current(meter_) <= 0) return kSilenceDbm0;
  float level = power_meter_current_dbm0(meter_);
  return level < kSilenceDbm0 ? kSilenceDbm0 : level;
}

}  // namespace sipline::dsp
