#include "channel_dsp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>

#include "caller_id_rx.h"
#include "caller_id_tx.h"
#include "dtmf_rx.h"
#include "dtmf_tx.h"
#include "echo_canceller.h"
#include "gain.h"
#include "power_meter.h"
#include "tone_rx.h"
#include "tone_tx.h"

namespace sipline::dsp {

const char* dspEventKindName(DspEventKind kind) {
  switch (kind) {
    case DspEventKind::DtmfBegin: return "dtmf-begin";
    case DspEventKind::DtmfDigit: return "dtmf";
    case DspEventKind::CallerId: return "caller-id";
    case DspEventKind::ToneDetected: return "tone";
    case DspEventKind::ToneEnded: return "tone-ended";
  }
  return "dsp";
}

namespace {
// The echo reference never needs more than the longest tail plus a few frames.
constexpr std::size_t kMaxTxHistory = kSampleRateHz;
constexpr float kMaxGainDb = 24.0f;

void check(const ChannelDspConfig& c) {
  if (c.echoCanceller && (c.echoTailMs < kMinEchoTailMs || c.echoTailMs > kMaxEchoTailMs)) {
    throw DspError("echoTailMs must be " + std::to_string(kMinEchoTailMs) + ".." + std::to_string(kMaxEchoTailMs) +
                   ", got " + std::to_string(c.echoTailMs));
  }
  if (std::abs(c.rxGainDb) > kMaxGainDb || std::abs(c.txGainDb) > kMaxGainDb) {
    throw DspError("rxGainDb and txGainDb must be within +/-24 dB");
  }
  if (c.dtmfTxOnMs < 20 || c.dtmfTxOnMs > 1000 || c.dtmfTxOffMs < 20 || c.dtmfTxOffMs > 1000) {
    throw DspError("dtmfTxOnMs and dtmfTxOffMs must be 20..1000 ms");
  }
  if (c.dtmfTxLevelDbm0 > 0.0f || c.dtmfTxLevelDbm0 < -50.0f) throw DspError("dtmfTxLevelDbm0 must be -50..0 dBm0");
  for (std::size_t i = 0; i < c.tones.size(); i++) {
    std::string error = checkToneDefinition(c.tones[i]);
    if (!error.empty()) throw DspError("tones[" + std::to_string(i) + "]: " + error);
    for (std::size_t j = 0; j < i; j++) {
      if (c.tones[j].name == c.tones[i].name) throw DspError("tones: \"" + c.tones[i].name + "\" defined twice");
    }
  }
}
}  // namespace

struct ChannelDsp::State {
  explicit State(const ChannelDspConfig& c) : config(c), rxGain(c.rxGainDb), txGain(c.txGainDb) {
    if (c.dtmfRx) {
      dtmfRx = std::make_unique<DtmfRx>(
          DtmfRxSettings{c.dtmfRxFilterDialTone, c.dtmfRxTwistDb, c.dtmfRxReverseTwistDb, c.dtmfRxThresholdDbm0});
    }
    dtmfTx = std::make_unique<DtmfTx>(DtmfTxSettings{c.dtmfTxLevelDbm0, c.dtmfTxTwistDb, c.dtmfTxOnMs, c.dtmfTxOffMs});
    if (c.callerIdRx != CallerIdStandard::None) callerIdRx = std::make_unique<CallerIdRx>(c.callerIdRx);
    if (c.callerIdTx != CallerIdStandard::None) callerIdTx = std::make_unique<CallerIdTx>(c.callerIdTx);
    if (c.toneRx && !c.tones.empty()) toneRx = std::make_unique<ToneRx>(c.tones);
    if (c.echoCanceller) echo = std::make_unique<EchoCanceller>(c.echoTailMs);
  }

  ChannelDspConfig config;
  Gain rxGain;
  Gain txGain;
  PowerMeter rxMeter;
  PowerMeter txMeter;
  PowerMeter echoInMeter;   // rx before the canceller
  PowerMeter echoOutMeter;  // rx after it, before gain
  std::unique_ptr<DtmfRx> dtmfRx;
  std::unique_ptr<DtmfTx> dtmfTx;
  std::unique_ptr<CallerIdRx> callerIdRx;
  std::unique_ptr<CallerIdTx> callerIdTx;
  std::unique_ptr<ToneRx> toneRx;
  std::unique_ptr<ToneTx> toneTx;
  std::unique_ptr<EchoCanceller> echo;
  std::deque<int16_t> txHistory;  // what tx() sent and rx() has not yet matched
  std::vector<int16_t> work;
  std::vector<int16_t> ref;
  std::vector<int16_t> generated;
  std::vector<int16_t> mix;
  uint64_t rxSamples = 0;
};

ChannelDsp::ChannelDsp(const ChannelDspConfig& config) {
  check(config);
  state_ = std::make_unique<State>(config);
}

ChannelDsp::~ChannelDsp() = default;

std::size_t ChannelDsp::rx(const int16_t* amp, std::size_t n, std::vector<DspEvent>& events, int16_t* clean) {
  State& s = *state_;
  s.work.assign(amp, amp + n);
  if (s.echo) {
    s.ref.resize(n);
    for (std::size_t i = 0; i < n; i++) {
      if (s.txHistory.empty()) {
        s.ref[i] = 0;
      } else {
        s.ref[i] = s.txHistory.front();
        s.txHistory.pop_front();
      }
    }
    s.echoInMeter.rx(amp, n);
    s.echo->rx(amp, s.ref.data(), s.work.data(), n);
    s.echoOutMeter.rx(s.work.data(), n);
  }
  s.rxGain.apply(s.work.data(), n);
  s.rxMeter.rx(s.work.data(), n);
  if (s.dtmfRx) s.dtmfRx->rx(s.work.data(), n, s.rxSamples, events);
  if (s.callerIdRx) s.callerIdRx->rx(s.work.data(), n, s.rxSamples, events);
  if (s.toneRx) s.toneRx->rx(s.work.data(), n, s.rxSamples, events);
  if (clean) std::copy(s.work.begin(), s.work.end(), clean);
  s.rxSamples += n;
  return n;
}

std::size_t ChannelDsp::tx(int16_t* amp, std::size_t n) {
  State& s = *state_;
  s.txGain.apply(amp, n);
  s.mix.assign(n, 0);
  s.generated.resize(n);
  std::size_t produced = 0;
  auto add = [&](std::size_t len) {
    for (std::size_t i = 0; i < len; i++) s.mix[i] = saturated_add16(s.mix[i], s.generated[i]);
    produced = std::max(produced, len);
  };
  add(s.dtmfTx->tx(s.generated.data(), n));
  if (s.callerIdTx) add(s.callerIdTx->tx(s.generated.data(), n));
  if (s.toneTx) add(s.toneTx->tx(s.generated.data(), n));
  for (std::size_t i = 0; i < n; i++) {
    amp[i] = saturated_add16(amp[i], s.mix[i]);
  }
  s.txMeter.rx(amp, n);
  if (s.echo) {
    s.txHistory.insert(s.txHistory.end(), amp, amp + n);
    while (s.txHistory.size() > kMaxTxHistory) s.txHistory.pop_front();
  }
  return produced;
}

void ChannelDsp::sendDigits(const std::string& digits) {
  for (char c : digits) {
    if (!std::strchr("0123456789*#ABCD", c) || c == 0) {
      throw DspError(std::string("sendDigits: '") + c + "' is not a DTMF digit (0-9 * # A-D)");
    }
  }
  if (state_->dtmfTx->put(digits) != 0) throw DspError("sendDigits: DTMF queue full");
}

void ChannelDsp::playTone(const std::string& name) {
  for (const auto& tone : state_->config.tones) {
    if (tone.name == name) {
      state_->toneTx = std::make_unique<ToneTx>(tone);
      return;
    }
  }
  throw DspError("playTone: no tone \"" + name + "\" in the tone zone");
}

void ChannelDsp::stopTone() { state_->toneTx.reset(); }

void ChannelDsp::sendCallerId(const CallerId& callerId) {
  if (!state_->callerIdTx) throw DspError("sendCallerId: callerIdTx is None for this channel");
  state_->callerIdTx->put(callerId);
}

bool ChannelDsp::txBusy() const {
  const State& s = *state_;
  return s.dtmfTx->busy() || (s.callerIdTx && s.callerIdTx->busy()) || s.toneTx != nullptr;
}

float ChannelDsp::rxLevelDbm0() const { return state_->rxMeter.levelDbm0(); }
float ChannelDsp::txLevelDbm0() const { return state_->txMeter.levelDbm0(); }

float ChannelDsp::echoReturnLossEnhancementDb() const {
  if (!state_->echo) return 0.0f;
  return state_->echoInMeter.levelDbm0() - state_->echoOutMeter.levelDbm0();
}

}  // namespace sipline::dsp
