#include "tone_tx.h"

#include <cstdlib>
#include <new>

// Linking steps into a cadence tree needs the step layout (next, nest).
#include <spandsp/private/tone_generate.h>
#include <spandsp/private/super_tone_tx.h>

#include "tone_rx.h"

namespace sipline::dsp {

namespace {
super_tone_tx_step_t* step(const ToneDefinition& t, bool on, int lengthMs, int cycles) {
  // spandsp 0.0.6 fills in only the first two of a step's four tone slots and
  // stops at the first slot with a zero rate: hand it a zeroed step, or the
  // other two slots add whatever the heap held. Freed by super_tone_tx_free_tone (free()).
  auto* blank = static_cast<super_tone_tx_step_t*>(std::calloc(1, sizeof(super_tone_tx_step_t)));
  if (!blank) throw std::bad_alloc();
  super_tone_tx_step_t* s = on ? super_tone_tx_make_step(blank, static_cast<float>(t.freq1Hz), t.level1Dbm0,
                                                         static_cast<float>(t.freq2Hz), t.level2Dbm0, lengthMs, cycles)
                               : super_tone_tx_make_step(blank, 0.0f, 0.0f, 0.0f, 0.0f, lengthMs, cycles);
  if (!s) throw std::bad_alloc();
  return s;
}
}  // namespace

ToneTx::ToneTx(const ToneDefinition& tone) {
  std::string error = checkToneDefinition(tone);
  if (!error.empty()) throw DspError(error);
  try {
    if (tone.cadence.empty()) {
      // A tone step of length 0 plays for ever.
      tree_ = step(tone, true, 0, 0);
    } else {
      // An empty step with 0 cycles repeats its nested cadence for ever.
      tree_ = step(tone, false, 0, 0);
      super_tone_tx_step_t** link = &tree_->nest;
      for (const auto& c : tone.cadence) {
        *link = step(tone, true, c.onMs, 1);
        link = &(*link)->next;
        if (c.offMs > 0) {
          *link = step(tone, false, c.offMs, 1);
          link = &(*link)->next;
        }
      }
    }
    state_ = super_tone_tx_init(nullptr, tree_);
    if (!state_) throw std::bad_alloc();
  } catch (...) {
    if (tree_) super_tone_tx_free_tone(tree_);
    throw;
  }
}

ToneTx::~ToneTx() {
  super_tone_tx_free(state_);
  super_tone_tx_free_tone(tree_);
}

std::size_t ToneTx::tx(int16_t* amp, std::size_t max) {
  int len = super_tone_tx(state_, amp, static_cast<int>(max));
  return len > 0 ? static_cast<std::size_t>(len) : 0;
}

}  // namespace sipline::dsp
