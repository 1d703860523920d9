// Line echo canceller (spandsp echo_can, after ITU-T G.168): removes the echo
// of what we sent (tx) from what we hear (rx).
#pragma once

#include <cstddef>
#include <cstdint>

#include <spandsp.h>

namespace sipline::dsp {

constexpr int kMinEchoTailMs = 8;
constexpr int kMaxEchoTailMs = 256;

class EchoCanceller {
 public:
  /** tailMs: longest echo path to cancel; nlp: suppress the residual echo too. */
  EchoCanceller(int tailMs, bool nlp);
  ~EchoCanceller();
  EchoCanceller(const EchoCanceller&) = delete;
  EchoCanceller& operator=(const EchoCanceller&) = delete;

  /** Samples in, count out: clean[i] is rx[i] minus the echo of txRef[i]. */
  std::size_t rx(const int16_t* rx, const int16_t* txRef, int16_t* clean, std::size_t n);

 private:
  echo_can_state_t* state_;
};

}  // namespace sipline::dsp
