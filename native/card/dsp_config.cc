#include "card/dsp_config.h"

#include <cmath>

namespace sipline::card {
namespace {

class Fields {
 public:
  Fields(Napi::Env env, Napi::Object obj, const std::string& where) : env_(env), obj_(obj), where_(where) {}
  bool has(const char* k) const { return obj_.Has(k) && !obj_.Get(k).IsUndefined(); }
  [[noreturn]] void fail(const std::string& k, const char* what) const { throw Napi::TypeError::New(env_, where_ + "." + k + " must be " + what); }
  double num(const char* k, double d) const {
    if (!has(k)) return d;
    Napi::Value v = obj_.Get(k);
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) fail(k, "a finite number");
    return v.As<Napi::Number>().DoubleValue();
  }
  int integer(const char* k, int d) const {
    double x = num(k, d);
    if (x != std::floor(x) || std::abs(x) > 1e9) fail(k, "an integer");
    return static_cast<int>(x);
  }
  bool flag(const char* k, bool d) const {
    if (!has(k)) return d;
    if (!obj_.Get(k).IsBoolean()) fail(k, "a boolean");
    return obj_.Get(k).As<Napi::Boolean>().Value();
  }
  std::string str(const char* k, const std::string& d) const {
    if (!has(k)) return d;
    if (!obj_.Get(k).IsString()) fail(k, "a string");
    return obj_.Get(k).As<Napi::String>().Utf8Value();
  }
  Napi::Array array(const char* k) const {
    if (!obj_.Get(k).IsArray()) fail(k, "an array");
    return obj_.Get(k).As<Napi::Array>();
  }

 private:
  Napi::Env env_;
  Napi::Object obj_;
  std::string where_;
};

dsp::CallerIdStandard standard(const Fields& f, const char* k) {
  std::string s = f.str(k, "none");
  if (s == "none") return dsp::CallerIdStandard::None;
  if (s == "bell202") return dsp::CallerIdStandard::Bell202;
  if (s == "v23") return dsp::CallerIdStandard::V23;
  if (s == "etsi-dtmf") return dsp::CallerIdStandard::EtsiDtmf;
  f.fail(k, "one of none, bell202, v23, etsi-dtmf");
}

char absence(const Fields& f, const char* k) {
  std::string s = f.str(k, "");
  if (s.empty()) return 0;
  if (s == "O" || s == "P") return s[0];
  f.fail(k, "\"O\" (unavailable) or \"P\" (private)");
}

Napi::Object objectAt(Napi::Env env, Napi::Value v, const std::string& where) {
  if (!v.IsObject()) throw Napi::TypeError::New(env, where + " must be an object");
  return v.As<Napi::Object>();
}

}  // namespace

dsp::ChannelDspConfig dspConfigFrom(Napi::Env env, Napi::Object obj, const std::string& where) {
  Fields f(env, obj, where);
  dsp::ChannelDspConfig c;
  c.dtmfRx = f.flag("dtmfRx", c.dtmfRx);
  c.dtmfRxFilterDialTone = f.flag("dtmfRxFilterDialTone", c.dtmfRxFilterDialTone);
  c.dtmfRxTwistDb = static_cast<float>(f.num("dtmfRxTwistDb", c.dtmfRxTwistDb));
  c.dtmfRxReverseTwistDb = static_cast<float>(f.num("dtmfRxReverseTwistDb", c.dtmfRxReverseTwistDb));
  c.dtmfRxThresholdDbm0 = static_cast<float>(f.num("dtmfRxThresholdDbm0", c.dtmfRxThresholdDbm0));
  c.dtmfTxLevelDbm0 = static_cast<float>(f.num("dtmfTxLevelDbm0", c.dtmfTxLevelDbm0));
  c.dtmfTxTwistDb = static_cast<float>(f.num("dtmfTxTwistDb", c.dtmfTxTwistDb));
  c.dtmfTxOnMs = f.integer("dtmfTxOnMs", c.dtmfTxOnMs);
  c.dtmfTxOffMs = f.integer("dtmfTxOffMs", c.dtmfTxOffMs);
  c.callerIdRx = standard(f, "callerIdRx");
  c.callerIdTx = standard(f, "callerIdTx");
  c.toneRx = f.flag("toneRx", c.toneRx);
  if (f.has("tones")) {
    Napi::Array tones = f.array("tones");
    for (uint32_t i = 0; i < tones.Length(); i++) {
      std::string w = where + ".tones[" + std::to_string(i) + "]";
      Fields t(env, objectAt(env, tones.Get(i), w), w);
      dsp::ToneDefinition d;
      d.name = t.str("name", "");
      d.freq1Hz = t.integer("freq1Hz", 0);
      d.freq2Hz = t.integer("freq2Hz", 0);
      d.level1Dbm0 = static_cast<float>(t.num("level1Dbm0", d.level1Dbm0));
      d.level2Dbm0 = static_cast<float>(t.num("level2Dbm0", d.level2Dbm0));
      if (t.has("cadence")) {
        Napi::Array steps = t.array("cadence");
        for (uint32_t j = 0; j < steps.Length(); j++) {
          std::string ws = w + ".cadence[" + std::to_string(j) + "]";
          Fields s(env, objectAt(env, steps.Get(j), ws), ws);
          d.cadence.push_back(dsp::ToneCadenceStep{s.integer("onMs", 0), s.integer("offMs", 0)});
        }
      }
      c.tones.push_back(std::move(d));
    }
  }
  c.echoCanceller = f.flag("echoCanceller", c.echoCanceller);
  c.echoTailMs = f.integer("echoTailMs", c.echoTailMs);
  c.echoNlp = f.flag("echoNlp", c.echoNlp);
  c.rxGainDb = static_cast<float>(f.num("rxGainDb", c.rxGainDb));
  c.txGainDb = static_cast<float>(f.num("txGainDb", c.txGainDb));
  return c;
}

dsp::CallerId callerIdFrom(Napi::Env env, Napi::Object obj, const std::string& where) {
  Fields f(env, obj, where);
  dsp::CallerId id;
  id.mdmf = f.flag("mdmf", true);
  id.dateTime = f.str("dateTime", "");
  id.number = f.str("number", "");
  id.name = f.str("name", "");
  id.numberAbsence = absence(f, "numberAbsence");
  id.nameAbsence = absence(f, "nameAbsence");
  id.redirectingNumber = f.str("redirectingNumber", "");
  id.callType = f.integer("callType", -1);
  return id;
}

Napi::Object callerIdToJs(Napi::Env env, const dsp::CallerId& id) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mdmf", id.mdmf);
  if (!id.dateTime.empty()) o.Set("dateTime", id.dateTime);
  if (!id.number.empty()) o.Set("number", id.number);
  if (!id.name.empty()) o.Set("name", id.name);
  if (id.numberAbsence) o.Set("numberAbsence", std::string(1, id.numberAbsence));
  if (id.nameAbsence) o.Set("nameAbsence", std::string(1, id.nameAbsence));
  if (!id.redirectingNumber.empty()) o.Set("redirectingNumber", id.redirectingNumber);
  if (id.callType >= 0) o.Set("callType", id.callType);
  o.Set("raw", Napi::Buffer<uint8_t>::Copy(env, id.raw.data(), id.raw.size()));
  return o;
}

const char* dspEventKind(dsp::DspEventKind kind) {
  switch (kind) {
    case dsp::DspEventKind::DtmfBegin: return "dtmf-begin";
    case dsp::DspEventKind::DtmfDigit: return "dtmf";
    case dsp::DspEventKind::CallerId: return "caller-id";
    case dsp::DspEventKind::ToneDetected: return "tone";
    case dsp::DspEventKind::ToneEnded: return "tone-ended";
  }
  return "dsp";
}

}  // namespace sipline::card
