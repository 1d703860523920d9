#include "echo_canceller.h"

#include <algorithm>
#include <cmath>
#include <new>

namespace sipline::dsp {

namespace {
constexpr int kTxPowerShift = 8;    // 32 ms time constant at 8 kHz
constexpr int kRxPowerShift = 5;    // 4 ms
constexpr int kTxFastShift = 5;     // 4 ms
constexpr int kTxLongTermShift = 11;  // 256 ms: scaling changes slowly against the tail
constexpr float kShiftStepDb = 6.02f;
constexpr float kShiftHysteresisDb = 2.0f;

int16_t scaled(int16_t x, int shift) {
  return shift >= 0 ? static_cast<int16_t>(x >> shift) : saturate(static_cast<int32_t>(x) * (1 << -shift));
}

int16_t unscaled(int16_t x, int shift) {
  return shift >= 0 ? saturate(static_cast<int32_t>(x) * (1 << shift)) : static_cast<int16_t>(x >> -shift);
}
}  // namespace

EchoCanceller::EchoCanceller(int tailMs)
    : state_(modem_echo_can_init(tailMs * kSamplesPerMs)),
      tailSamples_(tailMs * kSamplesPerMs),
      txFloor_(power_meter_level_dbm0(kMinAdaptTxDbm0)),
      marginRatio_(std::pow(10.0f, -kDoubleTalkMarginDb / 10.0f)) {
  if (!state_) throw std::bad_alloc();
  power_meter_init(&txPower_, kTxPowerShift);
  power_meter_init(&rxPower_, kRxPowerShift);
  power_meter_init(&txFast_, kTxFastShift);
  power_meter_init(&txLongTerm_, kTxLongTermShift);
  for (int k = kMinShift; k <= kMaxShift; k++) {
    // At shift k the canceller sees tx 6k dB down.
    tooLoud_[k - kMinShift] = power_meter_level_dbm0(kCancellerMaxDbm0 + kShiftStepDb * k);
    tooQuiet_[k - kMinShift] = power_meter_level_dbm0(kCancellerMaxDbm0 + kShiftStepDb * (k - 1) - kShiftHysteresisDb);
  }
  modem_echo_can_adaption_mode(state_, 1);
}

EchoCanceller::~EchoCanceller() { modem_echo_can_free(state_); }

bool EchoCanceller::chooseShift(int32_t txFast, int32_t txLongTerm) {
  int was = shift_;
  while (shift_ < kMaxShift && txFast > tooLoud_[shift_ - kMinShift]) shift_++;
  if (shift_ == was) {
    while (shift_ > kMinShift && txLongTerm < tooQuiet_[shift_ - kMinShift] && txFast < tooQuiet_[shift_ - kMinShift]) shift_--;
  }
  return shift_ != was;
}

std::size_t EchoCanceller::rx(const int16_t* rx, const int16_t* txRef, int16_t* clean, std::size_t n) {
  for (std::size_t i = 0; i < n; i++) {
    int32_t tx = power_meter_update(&txPower_, txRef[i]);
    int32_t heard = power_meter_update(&rxPower_, rx[i]);
    int32_t txFast = power_meter_update(&txFast_, txRef[i]);
    int32_t txLong = power_meter_update(&txLongTerm_, txRef[i]);
    if (tx >= txFloor_ && chooseShift(txFast, txLong)) hangover_ = std::max(hangover_, tailSamples_);
    // Geigel: the line is louder than the loudest echo the hybrid can return.
    bool doubleTalk = static_cast<float>(heard) > static_cast<float>(tx) * marginRatio_;
    if (doubleTalk || tx < txFloor_) hangover_ = std::max(hangover_, kAdaptionHangoverMs * kSamplesPerMs);
    bool adapt = hangover_ == 0;
    if (hangover_ > 0) hangover_--;
    if (adapt != adapting_) {
      modem_echo_can_adaption_mode(state_, adapt ? 1 : 0);
      adapting_ = adapt;
    }
    clean[i] = unscaled(modem_echo_can_update(state_, scaled(txRef[i], shift_), scaled(rx[i], shift_)), shift_);
  }
  return n;
}

}  // namespace sipline::dsp
