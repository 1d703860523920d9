#include "echo_canceller.h"

#include <new>

namespace sipline::dsp {

namespace {
int mode(bool nlp) {
  // No tx high-pass: the reference must be exactly what went to the line.
  int m = ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_RX_HPF;
  // Without CNG the suppressed residual is silence (clipping), as a PBX line card does.
  if (nlp) m |= ECHO_CAN_USE_NLP | ECHO_CAN_USE_CLIP;
  return m;
}
}  // namespace

EchoCanceller::EchoCanceller(int tailMs, bool nlp) : state_(echo_can_init(tailMs * 8, mode(nlp))) {
  if (!state_) throw std::bad_alloc();
}

EchoCanceller::~EchoCanceller() { echo_can_free(state_); }

std::size_t EchoCanceller::rx(const int16_t* rx, const int16_t* txRef, int16_t* clean, std::size_t n) {
  for (std::size_t i = 0; i < n; i++) clean[i] = echo_can_update(state_, txRef[i], rx[i]);
  return n;
}

}  // namespace sipline::dsp
