#include "tone_rx.h"

#include <algorithm>
#include <new>

#include "chunked_rx.h"

namespace sipline::dsp {

namespace {
constexpr int kMaxToneHz = kSampleRateHz / 2 - 100;

int shorter(int ms) { return std::max(0, static_cast<int>(ms * (1.0f - kCadenceTolerance)) - kCadenceSlackMs); }
int longer(int ms) { return static_cast<int>(ms * (1.0f + kCadenceTolerance)) + kCadenceSlackMs; }
}  // namespace

std::string checkToneDefinition(const ToneDefinition& tone) {
  if (tone.name.empty()) return "tone definition without a name";
  const std::string where = "tone \"" + tone.name + "\": ";
  if (tone.freq1Hz <= 0 || tone.freq1Hz > kMaxToneHz) return where + "freq1Hz must be 1.." + std::to_string(kMaxToneHz);
  if (tone.freq2Hz < 0 || tone.freq2Hz > kMaxToneHz) return where + "freq2Hz must be 0.." + std::to_string(kMaxToneHz);
  if (tone.level1Dbm0 > kFullScaleSineDbm0 || tone.level2Dbm0 > kFullScaleSineDbm0) return where + "level above +3.14 dBm0";
  for (const auto& step : tone.cadence) {
    if (step.onMs <= 0 || step.offMs < 0 || step.onMs > 60000 || step.offMs > 60000) {
      return where + "cadence on must be 1..60000 ms and off 0..60000 ms";
    }
  }
  return "";
}

ToneRx::ToneRx(const std::vector<ToneDefinition>& tones) {
  for (const auto& tone : tones) {
    std::string error = checkToneDefinition(tone);
    if (!error.empty()) throw DspError(error);
  }
  desc_ = super_tone_rx_make_descriptor(nullptr);
  if (!desc_) throw std::bad_alloc();
  for (const auto& tone : tones) {
    int id = super_tone_rx_add_tone(desc_);
    names_.resize(id + 1);
    names_[id] = tone.name;
    if (tone.cadence.empty()) {
      super_tone_rx_add_element(desc_, id, tone.freq1Hz, tone.freq2Hz, kContinuousToneMinMs, 0);
      continue;
    }
    for (const auto& step : tone.cadence) {
      super_tone_rx_add_element(desc_, id, tone.freq1Hz, tone.freq2Hz, shorter(step.onMs), longer(step.onMs));
      if (step.offMs > 0) super_tone_rx_add_element(desc_, id, 0, 0, shorter(step.offMs), longer(step.offMs));
    }
  }
  state_ = super_tone_rx_init(nullptr, desc_, &ToneRx::onTone, this);
  if (!state_) {
    super_tone_rx_free_descriptor(desc_);
    throw std::bad_alloc();
  }
}

ToneRx::~ToneRx() {
  super_tone_rx_free(state_);
  super_tone_rx_free_descriptor(desc_);
}

std::size_t ToneRx::rx(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events) {
  return rxInChunks(amp, n, atSample, events, now_, events_, [this](const int16_t* chunk, int len) { super_tone_rx(state_, chunk, len); });
}

// code: the tone's id when its pattern matched, -1 when it stopped matching.
void ToneRx::onTone(void* user, int code, int level, int /*delay*/) {
  auto* self = static_cast<ToneRx*>(user);
  if (!self->events_) return;
  if (self->current_ >= 0 && code != self->current_) {
    DspEvent ended;
    ended.kind = DspEventKind::ToneEnded;
    ended.atSample = self->now_;
    ended.tone = self->names_[self->current_];
    self->events_->push_back(ended);
    self->current_ = -1;
  }
  if (code >= 0 && code < static_cast<int>(self->names_.size()) && code != self->current_) {
    self->current_ = code;
    DspEvent detected;
    detected.kind = DspEventKind::ToneDetected;
    detected.atSample = self->now_;
    detected.tone = self->names_[code];
    detected.levelDbm0 = static_cast<float>(level);
    self->events_->push_back(detected);
  }
}

}  // namespace sipline::dsp
