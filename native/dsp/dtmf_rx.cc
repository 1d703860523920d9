#include "dtmf_rx.h"

#include <new>

#include "chunked_rx.h"

namespace sipline::dsp {

DtmfRx::DtmfRx(const DtmfRxSettings& settings) : state_(dtmf_rx_init(nullptr, nullptr, nullptr)) {
  if (!state_) throw std::bad_alloc();
  dtmf_rx_parms(state_, settings.filterDialTone ? 1 : 0, static_cast<int>(settings.twistDb),
                static_cast<int>(settings.reverseTwistDb), static_cast<int>(settings.thresholdDbm0));
  dtmf_rx_set_realtime_callback(state_, &DtmfRx::onTone, this);
}

DtmfRx::~DtmfRx() { dtmf_rx_free(state_); }

std::size_t DtmfRx::rx(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events) {
  // spandsp calls back per block of 102 samples: chunks bound the timing error of begin/end.
  return rxInChunks(amp, n, atSample, events, now_, events_, [this](const int16_t* chunk, int len) { dtmf_rx(state_, chunk, len); });
}

// code: the digit when one starts, 0 when it ends; level in dBm0.
void DtmfRx::onTone(void* user, int code, int level, int /*delay*/) {
  auto* self = static_cast<DtmfRx*>(user);
  if (!self->events_) return;
  if (self->digit_ && code != self->digit_) {
    DspEvent end;
    end.kind = DspEventKind::DtmfDigit;
    end.atSample = self->now_;
    end.digit = self->digit_;
    end.durationMs = static_cast<int>((self->now_ - self->digitStart_) / kSamplesPerMs);
    end.levelDbm0 = self->digitLevelDbm0_;
    self->events_->push_back(end);
    self->digit_ = 0;
  }
  if (code && code != self->digit_) {
    self->digit_ = static_cast<char>(code);
    self->digitStart_ = self->now_;
    self->digitLevelDbm0_ = static_cast<float>(level);
    DspEvent begin;
    begin.kind = DspEventKind::DtmfBegin;
    begin.atSample = self->now_;
    begin.digit = self->digit_;
    begin.levelDbm0 = self->digitLevelDbm0_;
    self->events_->push_back(begin);
  }
}

}  // namespace sipline::dsp
