// DTMF generator (spandsp dtmf_tx, ITU-T Q.23): queued digits out as tones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <spandsp.h>

namespace sipline::dsp {

struct DtmfTxSettings {
  float levelDbm0 = -10.0f;  // low group
  float twistDb = 2.0f;      // high group above low group
  int onMs = 100;
  int offMs = 100;
};

class DtmfTx {
 public:
  explicit DtmfTx(const DtmfTxSettings& settings);
  ~DtmfTx();
  DtmfTx(const DtmfTx&) = delete;
  DtmfTx& operator=(const DtmfTx&) = delete;

  /** Queues digits; returns how many did not fit in spandsp's queue. */
  std::size_t put(const std::string& digits);
  /** Generates up to max samples into amp; returns how many (0 when idle). */
  std::size_t tx(int16_t* amp, std::size_t max);
  bool busy() const { return busy_; }

 private:
  dtmf_tx_state_t* state_;
  bool busy_ = false;
};

}  // namespace sipline::dsp
