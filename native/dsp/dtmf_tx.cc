#include "dtmf_tx.h"

#include <new>

namespace sipline::dsp {

DtmfTx::DtmfTx(const DtmfTxSettings& settings) : state_(dtmf_tx_init(nullptr)) {
  if (!state_) throw std::bad_alloc();
  dtmf_tx_set_level(state_, static_cast<int>(settings.levelDbm0), static_cast<int>(settings.twistDb));
  dtmf_tx_set_timing(state_, settings.onMs, settings.offMs);
}

DtmfTx::~DtmfTx() { dtmf_tx_free(state_); }

std::size_t DtmfTx::put(const std::string& digits) {
  if (digits.empty()) return 0;
  // spandsp 0.0.6 loads the digits only if all fit, and returns how many did not.
  int left = dtmf_tx_put(state_, digits.data(), static_cast<int>(digits.size()));
  if (left == 0) busy_ = true;
  return left < 0 ? digits.size() : static_cast<std::size_t>(left);
}

std::size_t DtmfTx::tx(int16_t* amp, std::size_t max) {
  if (!busy_) return 0;
  int len = dtmf_tx(state_, amp, static_cast<int>(max));
  if (len < static_cast<int>(max)) busy_ = false;
  return len > 0 ? static_cast<std::size_t>(len) : 0;
}

}  // namespace sipline::dsp
