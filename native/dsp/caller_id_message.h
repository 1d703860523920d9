// Caller ID message layouts: building and parsing the bytes of SDMF/MDMF FSK
// messages and the digit strings of DTMF caller ID. No DSP here; the modems
// are in caller_id_rx / caller_id_tx.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "channel_dsp.h"

namespace sipline::dsp {

// Message types (Telcordia GR-30-CORE; ETSI EN 300 659-3, message type codes).
constexpr uint8_t kSdmfCallerId = 0x04;  // Bell 202 single data message format
constexpr uint8_t kMdmfCallerId = 0x80;  // multiple data message format (call set-up)

// MDMF parameter types (GR-30-CORE; EN 300 659-3, parameter type codes).
constexpr uint8_t kParamDateTime = 0x01;
constexpr uint8_t kParamNumber = 0x02;
constexpr uint8_t kParamNumberAbsence = 0x04;
constexpr uint8_t kParamName = 0x07;
constexpr uint8_t kParamNameAbsence = 0x08;
constexpr uint8_t kParamCallType = 0x11;
constexpr uint8_t kParamRedirectingNumber = 0x1A;

/**
 * Bytes of an FSK caller ID message without its checksum: type, length, body.
 * SDMF is only for Bell 202. Returns false with a reason naming the field.
 */
bool encodeFskCallerId(const CallerId& id, CallerIdStandard standard, std::vector<uint8_t>& out, std::string& error);

/** Parses type, length, body (checksum already checked and removed). Never throws. */
bool decodeFskCallerId(const uint8_t* msg, std::size_t len, CallerId& out, std::string& error);

/**
 * DTMF caller ID string (ETS 300 659-1 CLIP by DTMF, variant 1, as spandsp's
 * CLIP_DTMF receiver reads it): "A<number>C", or "B<absence code>C" when there
 * is none ("00" unavailable, "10" private).
 */
bool encodeDtmfCallerId(const CallerId& id, std::string& out, std::string& error);

/** Parses a DTMF caller ID string ending in 'C' or '#'. Never throws. */
bool decodeDtmfCallerId(const std::string& digits, CallerId& out, std::string& error);

}  // namespace sipline::dsp
