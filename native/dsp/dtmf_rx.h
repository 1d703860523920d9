// DTMF receiver (spandsp dtmf_rx, ITU-T Q.23/Q.24): reports each digit's start
// and its end with its duration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <spandsp.h>

#include "channel_dsp.h"

namespace sipline::dsp {

struct DtmfRxSettings {
  bool filterDialTone = false;
  float twistDb = 10.0f;
  float reverseTwistDb = 6.0f;
  float thresholdDbm0 = -42.0f;
};

class DtmfRx {
 public:
  explicit DtmfRx(const DtmfRxSettings& settings);
  ~DtmfRx();
  DtmfRx(const DtmfRx&) = delete;
  DtmfRx& operator=(const DtmfRx&) = delete;

  /** Samples in, count out; atSample is the stream position of amp[0]. */
  std::size_t rx(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events);

 private:
  static void onTone(void* user, int code, int level, int delay);

  dtmf_rx_state_t* state_;
  std::vector<DspEvent>* events_ = nullptr;
  uint64_t now_ = 0;       // stream position the callback is reported at
  char digit_ = 0;         // digit in progress, 0 when none
  uint64_t digitStart_ = 0;
  float digitLevelDbm0_ = 0.0f;
};

}  // namespace sipline::dsp
