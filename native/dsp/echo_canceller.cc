#include "echo_canceller.h"

#include <new>

namespace sipline::dsp {

EchoCanceller::EchoCanceller(int tailMs) : state_(modem_echo_can_init(tailMs * 8)) {
  if (!state_) throw std::bad_alloc();
  modem_echo_can_adaption_mode(state_, 1);
}

EchoCanceller::~EchoCanceller() { modem_echo_can_free(state_); }

std::size_t EchoCanceller::rx(const int16_t* rx, const int16_t* txRef, int16_t* clean, std::size_t n) {
  for (std::size_t i = 0; i < n; i++) clean[i] = modem_echo_can_update(state_, txRef[i], rx[i]);
  return n;
}

}  // namespace sipline::dsp
