#include "caller_id_rx.h"

#include <new>
#include <string>

#include "caller_id_message.h"

namespace sipline::dsp {

int adsiStandard(CallerIdStandard standard) {
  switch (standard) {
    case CallerIdStandard::Bell202: return ADSI_STANDARD_CLASS;
    case CallerIdStandard::V23: return ADSI_STANDARD_CLIP;
    case CallerIdStandard::EtsiDtmf: return ADSI_STANDARD_CLIP_DTMF;
    case CallerIdStandard::None: break;
  }
  throw DspError("caller ID standard None has no modem");
}

CallerIdRx::CallerIdRx(CallerIdStandard standard)
    : standard_(standard), state_(adsi_rx_init(nullptr, adsiStandard(standard), &CallerIdRx::onMessage, this)) {
  if (!state_) throw std::bad_alloc();
}

CallerIdRx::~CallerIdRx() { adsi_rx_free(state_); }

std::size_t CallerIdRx::rx(const int16_t* amp, std::size_t n, uint64_t atSample, std::vector<DspEvent>& events) {
  events_ = &events;
  now_ = atSample + n;
  adsi_rx(state_, amp, static_cast<int>(n));
  events_ = nullptr;
  return n;
}

// adsi_rx hands over only messages whose checksum (FSK) or terminator (DTMF) is right.
void CallerIdRx::onMessage(void* user, const uint8_t* msg, int len) {
  auto* self = static_cast<CallerIdRx*>(user);
  if (!self->events_ || len <= 0) return;
  DspEvent ev;
  ev.kind = DspEventKind::CallerId;
  ev.atSample = self->now_;
  std::string error;
  bool ok = self->standard_ == CallerIdStandard::EtsiDtmf
                ? decodeDtmfCallerId(std::string(reinterpret_cast<const char*>(msg), static_cast<std::size_t>(len)),
                                     ev.callerId, error)
                : decodeFskCallerId(msg, static_cast<std::size_t>(len), ev.callerId, error);
  if (ok) self->events_->push_back(std::move(ev));
}

}  // namespace sipline::dsp
