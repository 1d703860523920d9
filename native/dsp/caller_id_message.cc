#include "caller_id_message.h"

#include <cctype>

namespace sipline::dsp {

namespace {

constexpr std::size_t kMaxBody = 255;
constexpr std::size_t kDateTimeLength = 8;  // MMDDHHMM

bool allDigits(const std::string& s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool printable(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

std::string hexOctet(uint8_t v) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[v >> 4] + digits[v & 15];
}

bool validAbsence(char c) { return c == 0 || c == 'O' || c == 'P'; }

void addParam(std::vector<uint8_t>& out, uint8_t type, const std::string& body) {
  out.push_back(type);
  out.push_back(static_cast<uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
}

}  // namespace

bool encodeFskCallerId(const CallerId& id, CallerIdStandard standard, std::vector<uint8_t>& out, std::string& error) {
  out.clear();
  if (standard != CallerIdStandard::Bell202 && standard != CallerIdStandard::V23) {
    error = "caller ID standard is not an FSK one";
    return false;
  }
  if (!id.dateTime.empty() && (id.dateTime.size() != kDateTimeLength || !allDigits(id.dateTime))) {
    error = "caller ID dateTime must be 8 digits MMDDHHMM, got \"" + id.dateTime + "\"";
    return false;
  }
  if (!allDigits(id.number) || !allDigits(id.redirectingNumber)) {
    error = "caller ID number must be digits only";
    return false;
  }
  if (!printable(id.name)) {
    error = "caller ID name must be printable ASCII";
    return false;
  }
  if (!validAbsence(id.numberAbsence) || !validAbsence(id.nameAbsence)) {
    error = "caller ID absence code must be 'O' or 'P'";
    return false;
  }
  if (id.number.size() > 20 || id.redirectingNumber.size() > 20 || id.name.size() > 50) {
    error = "caller ID field too long (number 20, name 50 characters)";
    return false;
  }
  if (!id.mdmf) {
    // SDMF (GR-30-CORE): date and time, then the number or an absence code.
    if (standard != CallerIdStandard::Bell202) {
      error = "SDMF caller ID is only sent with Bell 202";
      return false;
    }
    if (id.dateTime.empty()) {
      error = "SDMF caller ID needs dateTime";
      return false;
    }
    out.push_back(kSdmfCallerId);
    out.push_back(0);
    out.insert(out.end(), id.dateTime.begin(), id.dateTime.end());
    if (!id.number.empty()) {
      out.insert(out.end(), id.number.begin(), id.number.end());
    } else {
      out.push_back(static_cast<uint8_t>(id.numberAbsence ? id.numberAbsence : 'O'));
    }
  } else {
    out.push_back(kMdmfCallerId);
    out.push_back(0);
    if (!id.dateTime.empty()) addParam(out, kParamDateTime, id.dateTime);
    if (!id.number.empty()) addParam(out, kParamNumber, id.number);
    if (id.number.empty() && id.numberAbsence) addParam(out, kParamNumberAbsence, std::string(1, id.numberAbsence));
    if (!id.name.empty()) addParam(out, kParamName, id.name);
    if (id.name.empty() && id.nameAbsence) addParam(out, kParamNameAbsence, std::string(1, id.nameAbsence));
    if (!id.redirectingNumber.empty()) addParam(out, kParamRedirectingNumber, id.redirectingNumber);
    if (id.callType >= 0) {
      if (id.callType > 255) {
        error = "caller ID callType must fit in one octet";
        return false;
      }
      addParam(out, kParamCallType, std::string(1, static_cast<char>(id.callType)));
    }
  }
  if (out.size() - 2 > kMaxBody) {
    error = "caller ID message longer than 255 octets";
    return false;
  }
  out[1] = static_cast<uint8_t>(out.size() - 2);
  return true;
}

bool decodeFskCallerId(const uint8_t* msg, std::size_t len, CallerId& out, std::string& error) {
  out = CallerId();
  out.raw.assign(msg, msg + len);
  if (len < 2) {
    error = "caller ID message shorter than its header";
    return false;
  }
  std::size_t bodyLen = msg[1];
  if (bodyLen + 2 != len) {
    error = "caller ID message length octet says " + std::to_string(bodyLen) + ", body has " + std::to_string(len - 2);
    return false;
  }
  const uint8_t* body = msg + 2;
  if (msg[0] == kSdmfCallerId) {
    out.mdmf = false;
    if (bodyLen < kDateTimeLength) {
      error = "SDMF caller ID shorter than its date and time";
      return false;
    }
    out.dateTime.assign(body, body + kDateTimeLength);
    std::string rest(body + kDateTimeLength, body + bodyLen);
    if (rest == "O" || rest == "P") {
      out.numberAbsence = rest[0];
    } else {
      out.number = rest;
    }
    return true;
  }
  if (msg[0] != kMdmfCallerId) {
    error = "caller ID message type " + hexOctet(msg[0]) + " is not a call set-up message";
    return false;
  }
  out.mdmf = true;
  for (std::size_t pos = 0; pos < bodyLen;) {
    if (pos + 2 > bodyLen) {
      error = "MDMF parameter header cut short at octet " + std::to_string(pos + 2);
      return false;
    }
    uint8_t type = body[pos];
    std::size_t plen = body[pos + 1];
    if (pos + 2 + plen > bodyLen) {
      error = "MDMF parameter " + hexOctet(type) + " runs past the message end";
      return false;
    }
    std::string value(body + pos + 2, body + pos + 2 + plen);
    switch (type) {
      case kParamDateTime: out.dateTime = value; break;
      case kParamNumber: out.number = value; break;
      case kParamNumberAbsence: out.numberAbsence = value.empty() ? 'O' : value[0]; break;
      case kParamName: out.name = value; break;
      case kParamNameAbsence: out.nameAbsence = value.empty() ? 'O' : value[0]; break;
      case kParamRedirectingNumber: out.redirectingNumber = value; break;
      case kParamCallType: out.callType = value.empty() ? -1 : static_cast<uint8_t>(value[0]); break;
      default: break;  // parameters we do not use are skipped, as the standards require
    }
    pos += 2 + plen;
  }
  return true;
}

bool encodeDtmfCallerId(const CallerId& id, std::string& out, std::string& error) {
  out.clear();
  if (!allDigits(id.number) || id.number.size() > 20) {
    error = "DTMF caller ID number must be at most 20 digits";
    return false;
  }
  if (!id.number.empty()) {
    out = "A" + id.number + "C";
  } else {
    // ETS 300 659-1 DTMF variant 1: "00" unavailable, "10" private.
    out = std::string("B") + (id.numberAbsence == 'P' ? "10" : "00") + "C";
  }
  return true;
}

bool decodeDtmfCallerId(const std::string& digits, CallerId& out, std::string& error) {
  out = CallerId();
  out.mdmf = false;
  out.raw.assign(digits.begin(), digits.end());
  if (digits.empty() || (digits.back() != 'C' && digits.back() != '#')) {
    error = "DTMF caller ID must end with C or #";
    return false;
  }
  std::size_t pos = 0;
  const std::size_t end = digits.size() - 1;
  while (pos < end) {
    char start = digits[pos];
    std::size_t from = (start >= '0' && start <= '9') ? pos : pos + 1;
    std::size_t to = from;
    while (to < end && digits[to] >= '0' && digits[to] <= '9') to++;
    std::string field = digits.substr(from, to - from);
    switch (start) {
      case 'A': out.number = field; break;
      case 'B': out.numberAbsence = (!field.empty() && field[0] == '1') ? 'P' : 'O'; break;
      case 'D':
        // '#'-terminated variants put the absence code after D (1 private, 2 overseas,
        // 3 unavailable); 'C'-terminated ones a redirecting number.
        if (digits.back() == '#') {
          out.numberAbsence = (!field.empty() && field[0] == '1') ? 'P' : 'O';
        } else {
          out.redirectingNumber = field;
        }
        break;
      default:
        if (start >= '0' && start <= '9') {
          out.number = field;
        } else {
          error = std::string("DTMF caller ID has an unknown field start '") + start + "'";
          return false;
        }
    }
    if (to == pos) to++;  // never loop on an empty field
    pos = to;
  }
  return true;
}

}  // namespace sipline::dsp
