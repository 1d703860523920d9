// Caller ID receiver (spandsp adsi_rx): Bell 202 or V.23 FSK, or DTMF, to
// parsed messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <spandsp.h>

#include "channel_dsp.h"

namespace sipline::dsp {

/** spandsp's ADSI_STANDARD_* for a caller ID standard; throws DspError for None. */
int adsiStandard(CallerIdStandard standard);

class CallerIdRx {
 public:
  explicit CallerIdRx(CallerIdStandard standard);
  ~CallerIdRx();
  CallerIdRx(const CallerIdRx&) = delete;
  CallerIdRx& operator=(const CallerIdRx&) = delete;

  /** Samples in, count out; a decoded message becomes a CallerId event. */
  std::size_t rx(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events);

 private:
  static void onMessage(void* user, const uint8_t* msg, int len);

  CallerIdStandard standard_;
  adsi_rx_state_t* state_;
  std::vector<DspEvent>* events_ = nullptr;
  uint64_t now_ = 0;
};

}  // namespace sipline::dsp
