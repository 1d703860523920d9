// Line echo canceller (spandsp modem_echo_can, an NLMS FIR canceller):
// removes the echo of what we sent (tx) from what we hear (rx).
//
// Why not spandsp's G.168 echo_can: in the 0.0.6 release its update function
// still printf()s two debug lines per sample to stdout, which would flood the
// gateway's log stream; modem_echo_can has no such output.
#pragma once

#include <cstddef>
#include <cstdint>

#include <spandsp.h>

namespace sipline::dsp {

constexpr int kMinEchoTailMs = 8;
constexpr int kMaxEchoTailMs = 128;

class EchoCanceller {
 public:
  /** tailMs: longest echo path to cancel. */
  explicit EchoCanceller(int tailMs);
  ~EchoCanceller();
  EchoCanceller(const EchoCanceller&) = delete;
  EchoCanceller& operator=(const EchoCanceller&) = delete;

  /** Samples in, count out: clean[i] is rx[i] minus the echo of txRef[i]. */
  std::size_t rx(const int16_t* rx, const int16_t* txRef, int16_t* clean, std::size_t n);

 private:
  modem_echo_can_state_t* state_;
};

}  // namespace sipline::dsp
