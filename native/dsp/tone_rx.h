// Call-progress tone detector for a tone zone (spandsp super_tone_rx): each
// zone tone with its cadence becomes one pattern to match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <spandsp.h>

#include "channel_dsp.h"

namespace sipline::dsp {

/** Continuous tones (dial) are reported after this much tone, in ms. */
constexpr int kContinuousToneMinMs = 300;
/** Cadence tolerance: each on or off period may differ by this fraction plus kCadenceSlackMs. */
constexpr float kCadenceTolerance = 0.2f;
constexpr int kCadenceSlackMs = 20;

class ToneRx {
 public:
  /** Throws DspError when a definition is unusable (names the tone). */
  explicit ToneRx(const std::vector<ToneDefinition>& tones);
  ~ToneRx();
  ToneRx(const ToneRx&) = delete;
  ToneRx& operator=(const ToneRx&) = delete;

  /** Samples in, count out; appends ToneDetected / ToneEnded. */
  std::size_t rx(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events);

 private:
  static void onTone(void* user, int code, int level, int delay);

  std::vector<std::string> names_;
  super_tone_rx_descriptor_t* desc_ = nullptr;
  super_tone_rx_state_t* state_ = nullptr;
  std::vector<DspEvent>* events_ = nullptr;
  uint64_t now_ = 0;
  int current_ = -1;
};

/** Checks one definition; returns an empty string or the reason it is unusable. */
std::string checkToneDefinition(const ToneDefinition& tone);

}  // namespace sipline::dsp
