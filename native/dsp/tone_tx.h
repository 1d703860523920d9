// Call-progress tone generator (spandsp super_tone_tx): a zone tone with its
// cadence, repeated until stopped.
#pragma once

#include <cstddef>
#include <cstdint>

#include <spandsp.h>

#include "channel_dsp.h"

namespace sipline::dsp {

class ToneTx {
 public:
  /** Throws DspError when the definition is unusable. */
  explicit ToneTx(const ToneDefinition& tone);
  ~ToneTx();
  ToneTx(const ToneTx&) = delete;
  ToneTx& operator=(const ToneTx&) = delete;

  /** Writes up to max samples into amp (silences included); returns how many. */
  std::size_t tx(int16_t* amp, std::size_t max);

 private:
  super_tone_tx_step_t* tree_ = nullptr;
  super_tone_tx_state_t* state_ = nullptr;
};

}  // namespace sipline::dsp
