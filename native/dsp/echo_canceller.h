// Line echo canceller (spandsp modem_echo_can, an LMS FIR canceller):
// removes the echo of what we sent (tx) from what we hear (rx).
//
// Why not spandsp's G.168 echo_can: in the 0.0.6 release its update function
// still printf()s two debug lines per sample to stdout, which would flood the
// gateway's log stream; modem_echo_can has no such output. What it lacks we
// add around it, without touching the filter itself:
// - double talk: LMS adapting on near-end speech diverges, so adaption is
//   frozen while the line (rx) is louder than the loudest echo a hybrid
//   returns under G.168's assumption of 6 dB echo return loss (Geigel test);
// - level: its step is not normalised to the tx power, so it diverges on loud
//   and crawls on quiet signals; tx and rx both enter it scaled by the same
//   power of two, chosen from the long-term tx level, which keeps the echo
//   path it learns unchanged while the signal sits in its working range.
//   Adaption pauses for one tail after each change, while the filter's
//   history still holds samples at the old scale.
#pragma once

#include <cstddef>
#include <cstdint>

#include <spandsp.h>

#include "channel_dsp.h"

namespace sipline::dsp {

constexpr int kMinEchoTailMs = 8;
constexpr int kMaxEchoTailMs = 128;
/** G.168 assumes the hybrid returns its echo at least 6 dB down. */
constexpr float kDoubleTalkMarginDb = 6.0f;
/** Adaption stays frozen this long after double talk or a silent tx, in ms. */
constexpr int kAdaptionHangoverMs = 30;
/** Below this tx level there is no echo worth learning from, in dBm0. */
constexpr float kMinAdaptTxDbm0 = -45.0f;
/** Highest tx level, in dBm0, at which the unnormalised LMS stays stable (with margin). */
constexpr float kCancellerMaxDbm0 = -20.0f;

class EchoCanceller {
 public:
  /** tailMs: longest echo path to cancel. */
  explicit EchoCanceller(int tailMs);
  ~EchoCanceller();
  EchoCanceller(const EchoCanceller&) = delete;
  EchoCanceller& operator=(const EchoCanceller&) = delete;

  /** Samples in, count out: clean[i] is rx[i] minus the echo of txRef[i]. */
  std::size_t rx(const int16_t* rx, const int16_t* txRef, int16_t* clean, std::size_t n);

 private:
  static constexpr int kMinShift = -2;  // up to 12 dB of boost for quiet talkers
  static constexpr int kMaxShift = 4;   // up to 24 dB of cut for loud ones

  /** Returns true when the scaling changed. */
  bool chooseShift(int32_t txFast, int32_t txLongTerm);

  modem_echo_can_state_t* state_;
  power_meter_t txPower_;      // over about the tail: what the echo can be at most
  power_meter_t rxPower_;      // short: reacts to a near-end talker at once
  power_meter_t txFast_;       // cuts the scaling at once when tx gets loud
  power_meter_t txLongTerm_;   // raises it again slowly
  int tailSamples_;
  int32_t txFloor_;
  float marginRatio_;
  int32_t tooLoud_[kMaxShift - kMinShift + 1];   // tx reading above which shift must grow
  int32_t tooQuiet_[kMaxShift - kMinShift + 1];  // tx reading below which shift may shrink
  int shift_ = 0;
  int hangover_ = 0;
  bool adapting_ = true;
};

}  // namespace sipline::dsp
