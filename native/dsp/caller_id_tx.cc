#include "caller_id_tx.h"

#include <new>
#include <string>
#include <vector>

#include "caller_id_message.h"
#include "caller_id_rx.h"

namespace sipline::dsp {

CallerIdTx::CallerIdTx(CallerIdStandard standard)
    : standard_(standard), state_(adsi_tx_init(nullptr, adsiStandard(standard))) {
  if (!state_) throw std::bad_alloc();
}

CallerIdTx::~CallerIdTx() { adsi_tx_free(state_); }

void CallerIdTx::put(const CallerId& id) {
  if (busy_) throw DspError("a caller ID message is still being sent");
  std::string error;
  std::vector<uint8_t> msg;
  if (standard_ == CallerIdStandard::EtsiDtmf) {
    std::string digits;
    if (!encodeDtmfCallerId(id, digits, error)) throw DspError(error);
    msg.assign(digits.begin(), digits.end());
  } else if (!encodeFskCallerId(id, standard_, msg, error)) {
    throw DspError(error);
  }
  // adsi_tx_put_message appends the checksum to FSK messages itself.
  if (adsi_tx_put_message(state_, msg.data(), static_cast<int>(msg.size())) <= 0) {
    throw DspError("spandsp refused the caller ID message (" + std::to_string(msg.size()) + " octets)");
  }
  busy_ = true;
}

std::size_t CallerIdTx::tx(int16_t* amp, std::size_t max) {
  if (!busy_) return 0;
  int len = adsi_tx(state_, amp, static_cast<int>(max));
  if (len < static_cast<int>(max)) busy_ = false;
  return len > 0 ? static_cast<std::size_t>(len) : 0;
}

}  // namespace sipline::dsp
