// Caller ID generator (spandsp adsi_tx): one message at a time as Bell 202 or
// V.23 FSK (with channel seizure and mark preamble) or as DTMF digits.
#pragma once

#include <cstddef>
#include <cstdint>

#include <spandsp.h>

#include "channel_dsp.h"

namespace sipline::dsp {

class CallerIdTx {
 public:
  explicit CallerIdTx(CallerIdStandard standard);
  ~CallerIdTx();
  CallerIdTx(const CallerIdTx&) = delete;
  CallerIdTx& operator=(const CallerIdTx&) = delete;

  /** Queues a message; throws DspError when it is invalid or one is still being sent. */
  void put(const CallerId& id);
  /** Generates up to max samples into amp; returns how many (0 when idle). */
  std::size_t tx(int16_t* amp, std::size_t max);
  bool busy() const { return busy_; }

 private:
  CallerIdStandard standard_;
  adsi_tx_state_t* state_;
  bool busy_ = false;
};

}  // namespace sipline::dsp
