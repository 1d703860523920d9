#include "dtmf_rx.h"

#include <algorithm>
#include <new>

namespace sipline::dsp {

namespace {
// spandsp reports from the realtime callback per block of 102 samples; feeding
// it 40 samples (5 ms) at a time bounds the timing error of begin/end to that.
constexpr std::size_t kChunkSamples = 40;
}  // namespace

DtmfRx::DtmfRx(const DtmfRxSettings& settings) : state_(dtmf_rx_init(nullptr, nullptr, nullptr)) {
  if (!state_) throw std::bad_alloc();
  dtmf_rx_parms(state_, settings.filterDialTone ? 1 : 0, static_cast<int>(settings.twistDb),
                static_cast<int>(settings.reverseTwistDb), static_cast<int>(settings.thresholdDbm0));
  dtmf_rx_set_realtime_callback(state_, &DtmfRx::onTone, this);
}

DtmfRx::~DtmfRx() { dtmf_rx_free(state_); }

std::size_t DtmfRx::rx(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events) {
  events_ = &events;
  for (std::size_t done = 0; done < n;) {
    std::size_t len = std::min(kChunkSamples, n - done);
    now_ = atSample + done + len;
    dtmf_rx(state_, amp + done, static_cast<int>(len));
    done += len;
  }
  events_ = nullptr;
  return n;
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
