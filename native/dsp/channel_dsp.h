// Per-channel DSP: the one object the card I/O thread calls for each channel.
//
// Everything here runs through libspandsp (0.0.6); each spandsp context sits
// in its own RAII module next to this file. Samples are 16-bit linear at
// 8000 Hz. Levels are in dBm0 with spandsp's reference: 0 dBm0 is a sine of
// 3.14 dB below a full-scale sine, i.e. about 22,826 peak (16,141 rms), so
// that the G.711 maximum (a full-scale sine) is +3.14 dBm0 (ITU-T G.711
// tables; spandsp telephony.h DBM0_MAX_SINE_POWER).
//
// Threading: a ChannelDsp belongs to one thread at a time (the card I/O
// thread); nothing in it is shared with another channel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sipline::dsp {

constexpr int kSampleRateHz = 8000;
constexpr int kSamplesPerMs = kSampleRateHz / 1000;

/** dBm0 of a full-scale 16-bit sine (spandsp DBM0_MAX_SINE_POWER). */
constexpr float kFullScaleSineDbm0 = 3.14f;

/** One on/off step of a tone cadence. */
struct ToneCadenceStep {
  int onMs = 0;
  int offMs = 0;  // 0: no silence after this step
};

/**
 * A call-progress tone of a tone zone, given as data (the zone file is read
 * in TypeScript). A single-frequency tone has freq2Hz = 0.
 */
struct ToneDefinition {
  std::string name;          // "dial", "ringback", "busy", "congestion", ...
  int freq1Hz = 0;
  int freq2Hz = 0;
  float level1Dbm0 = -13.0f;
  float level2Dbm0 = -13.0f;
  std::vector<ToneCadenceStep> cadence;  // empty: continuous; repeats forever
};

/** How caller ID is carried on the line. */
enum class CallerIdStandard {
  None,
  Bell202,   // Telcordia GR-30-CORE (CLASS): Bell 202 FSK, SDMF or MDMF
  V23,       // ETSI EN 300 659-1 (CLIP): V.23 FSK, MDMF (SDMF accepted on rx)
  EtsiDtmf,  // ETS 300 659-1 CLIP by DTMF (A<number>C, B<code>C, '#'-terminated variants)
};

/** Plain configuration of one channel's DSP. */
struct ChannelDspConfig {
  // DTMF receiver (spandsp dtmf_rx).
  bool dtmfRx = true;
  bool dtmfRxFilterDialTone = false;
  // Twist limits: the standards ask for +4/-8 dB to be accepted; spandsp measures
  // twist per 12.75 ms block, so 2 dB of margin keeps those reliably accepted.
  float dtmfRxTwistDb = 10.0f;        // high group at most this much below the low group
  float dtmfRxReverseTwistDb = 6.0f;  // high group at most this much above the low group
  float dtmfRxThresholdDbm0 = -42.0f; // per-tone detection floor

  // DTMF generator (spandsp dtmf_tx).
  float dtmfTxLevelDbm0 = -10.0f;  // low group level
  float dtmfTxTwistDb = 2.0f;      // high group this much above the low group
  int dtmfTxOnMs = 100;
  int dtmfTxOffMs = 100;

  // Caller ID (spandsp adsi_rx / adsi_tx).
  CallerIdStandard callerIdRx = CallerIdStandard::None;
  CallerIdStandard callerIdTx = CallerIdStandard::None;

  // Call-progress tones of the tone zone (spandsp super_tone_rx / super_tone_tx).
  bool toneRx = false;
  std::vector<ToneDefinition> tones;

  // Line echo canceller (spandsp modem_echo_can; see echo_canceller.h). Tail 8..128 ms.
  bool echoCanceller = false;
  int echoTailMs = 64;
  // Non-linear processor after the canceller. Kept so configurations stay
  // valid, but without effect for now: spandsp 0.0.6 has an NLP only inside
  // echo_can, which cannot be used (see echo_canceller.h).
  bool echoNlp = true;

  // Gains applied to the voice path (not to generated signals).
  float rxGainDb = 0.0f;
  float txGainDb = 0.0f;
};

/** Fields of a caller ID message, as decoded or to be sent. */
struct CallerId {
  bool mdmf = true;           // false: SDMF (Bell 202 only)
  std::string dateTime;       // "MMDDHHMM", empty when absent
  std::string number;         // calling number, empty when absent
  std::string name;           // calling name, empty when absent
  char numberAbsence = 0;     // 'O' unavailable / out of area, 'P' private, 0 when a number is given
  char nameAbsence = 0;       // same codes for the name
  std::string redirectingNumber;
  int callType = -1;          // ETSI call type parameter, -1 when absent
  std::vector<uint8_t> raw;   // the message as received (FSK bytes, or the DTMF string)
};

enum class DspEventKind {
  DtmfBegin,      // digit started (for RFC 4733 start-of-event)
  DtmfDigit,      // digit ended: digit, durationMs
  CallerId,       // caller ID message decoded: callerId
  ToneDetected,   // a zone tone matched its cadence: tone (name)
  ToneEnded,      // that tone stopped
};

/** The event's name as JavaScript sees it: dtmf-begin, dtmf, caller-id, tone, tone-ended. */
const char* dspEventKindName(DspEventKind kind);

/** One discrete event from rx; atSample counts rx samples since the channel was set up. */
struct DspEvent {
  DspEventKind kind = DspEventKind::DtmfDigit;
  uint64_t atSample = 0;
  char digit = 0;
  int durationMs = 0;
  float levelDbm0 = 0.0f;
  std::string tone;
  CallerId callerId;
};

/** Raised by ChannelDsp's constructor or by tx requests given bad data. */
class DspError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class ChannelDsp {
 public:
  /** Throws DspError when the configuration is unusable (names the field). */
  explicit ChannelDsp(const ChannelDspConfig& config);
  ~ChannelDsp();
  ChannelDsp(const ChannelDsp&) = delete;
  ChannelDsp& operator=(const ChannelDsp&) = delete;

  /**
   * The echo canceller pairs rx samples with tx samples in order, so call
   * tx() and rx() in lockstep (one frame each per tick); delay in the card's
   * own buffers is part of the echo path and must fit in echoTailMs.
   * With callerIdRx EtsiDtmf and dtmfRx both on, the caller ID digits also
   * come as DtmfDigit events. rx() and tx() throw only std::bad_alloc.
   *
   * Runs the receive path on n samples from the line: echo cancellation
   * (against what tx() sent, in order), rx gain, level meter, then the
   * detectors; appends events. When clean is not null it receives the n
   * processed samples for the voice path. Returns n.
   */
  std::size_t rx(const int16_t* amp, std::size_t n, std::vector<DspEvent>& events, int16_t* clean = nullptr);

  /**
   * Runs the transmit path on n samples going to the line: tx gain on the
   * voice in amp, then mixes in what is queued (DTMF digits, caller ID, the
   * current zone tone) with saturation, meters the result and keeps it as
   * the echo canceller's reference. Returns the number of samples that
   * carried a generated signal (0 when nothing was queued).
   */
  std::size_t tx(int16_t* amp, std::size_t n);

  /** Queues DTMF digits (0-9 * # A-D) to send. Throws DspError on another character. */
  void sendDigits(const std::string& digits);

  /** Starts a zone tone by name (with its cadence); replaces a tone already playing. Throws DspError when unknown. */
  void playTone(const std::string& name);
  void stopTone();

  /** Queues one caller ID message in callerIdTx's standard. Throws DspError when it cannot be sent. */
  void sendCallerId(const CallerId& callerId);

  /** True while anything generated (digits, tone, caller ID) is still to be sent. */
  bool txBusy() const;

  /** Mean power of the last few ms, in dBm0 (after gain), per direction. */
  float rxLevelDbm0() const;
  float txLevelDbm0() const;

  /** Echo return loss enhancement now (rx level before minus after the canceller), in dB; 0 when off. */
  float echoReturnLossEnhancementDb() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sipline::dsp
