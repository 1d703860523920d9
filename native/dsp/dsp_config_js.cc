#include "dsp/dsp_config_js.h"

#include <cmath>

namespace sipline::dsp {
namespace {

// One object's optional fields, each checked for its type; `where` names the object in errors.
class Fields {
 public:
  Fields(Napi::Env env, Napi::Object obj, std::string where) : env_(env), obj_(obj), where_(std::move(where)) {}

  bool has(const char* key) const { return obj_.Has(key) && !obj_.Get(key).IsUndefined(); }
  [[noreturn]] void fail(const char* key, const std::string& what) const {
    throw Napi::TypeError::New(env_, where_ + "." + key + " must be " + what);
  }
  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue())) fail(key, "a finite number");
    return v.As<Napi::Number>().DoubleValue();
  }
  int integer(const char* key, int fallback) const {
    double d = number(key, fallback);
    if (d != std::floor(d) || std::abs(d) > 1e9) fail(key, "an integer");
    return static_cast<int>(d);
  }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsBoolean()) fail(key, "a boolean");
    return v.As<Napi::Boolean>().Value();
  }
  std::string string(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    Napi::Value v = obj_.Get(key);
    if (!v.IsString()) fail(key, "a string");
    return v.As<Napi::String>().Utf8Value();
  }
  // The fields of element i of array field `key`, which must be an object.
  Fields element(const char* key, Napi::Array list, uint32_t i) const {
    std::string w = where_ + "." + key + "[" + std::to_string(i) + "]";
    Napi::Value v = list.Get(i);
    if (!v.IsObject()) throw Napi::TypeError::New(env_, w + " must be an object");
    return Fields(env_, v.As<Napi::Object>(), w);
  }
  Napi::Array array(const char* key) const {
    Napi::Value v = obj_.Get(key);
    if (!v.IsArray()) fail(key, "an array");
    return v.As<Napi::Array>();
  }
  Napi::Env env() const { return env_; }
  const std::string& where() const { return where_; }

 private:
  Napi::Env env_;
  Napi::Object obj_;
  std::string where_;
};

char absence(const Fields& f, const char* key) {
  std::string s = f.string(key, "");
  if (s.empty()) return 0;
  if (s == "O" || s == "P") return s[0];
  f.fail(key, "\"O\" (unavailable) or \"P\" (private)");
}

ToneDefinition toneFrom(const Fields& t) {
  ToneDefinition d;
  d.name = t.string("name", "");
  d.freq1Hz = t.integer("freq1Hz", 0);
  d.freq2Hz = t.integer("freq2Hz", 0);
  d.level1Dbm0 = static_cast<float>(t.number("level1Dbm0", d.level1Dbm0));
  d.level2Dbm0 = static_cast<float>(t.number("level2Dbm0", d.level2Dbm0));
  if (t.has("cadence")) {
    Napi::Array steps = t.array("cadence");
    for (uint32_t j = 0; j < steps.Length(); j++) {
      Fields s = t.element("cadence", steps, j);
      d.cadence.push_back(ToneCadenceStep{s.integer("onMs", 0), s.integer("offMs", 0)});
    }
  }
  return d;
}

}  // namespace

CallerIdStandard callerIdStandardFrom(Napi::Env env, const std::string& name, const std::string& where) {
  if (name == "none") return CallerIdStandard::None;
  if (name == "bell202") return CallerIdStandard::Bell202;
  if (name == "v23") return CallerIdStandard::V23;
  if (name == "etsi-dtmf") return CallerIdStandard::EtsiDtmf;
  throw Napi::TypeError::New(env, where + " must be one of none, bell202, v23, etsi-dtmf (got \"" + name + "\")");
}

ChannelDspConfig dspConfigFrom(Napi::Env env, Napi::Object obj, const std::string& where) {
  Fields f(env, obj, where);
  ChannelDspConfig c;
  c.dtmfRx = f.boolean("dtmfRx", c.dtmfRx);
  c.dtmfRxFilterDialTone = f.boolean("dtmfRxFilterDialTone", c.dtmfRxFilterDialTone);
  c.dtmfRxTwistDb = static_cast<float>(f.number("dtmfRxTwistDb", c.dtmfRxTwistDb));
  c.dtmfRxReverseTwistDb = static_cast<float>(f.number("dtmfRxReverseTwistDb", c.dtmfRxReverseTwistDb));
  c.dtmfRxThresholdDbm0 = static_cast<float>(f.number("dtmfRxThresholdDbm0", c.dtmfRxThresholdDbm0));
  c.dtmfTxLevelDbm0 = static_cast<float>(f.number("dtmfTxLevelDbm0", c.dtmfTxLevelDbm0));
  c.dtmfTxTwistDb = static_cast<float>(f.number("dtmfTxTwistDb", c.dtmfTxTwistDb));
  c.dtmfTxOnMs = f.integer("dtmfTxOnMs", c.dtmfTxOnMs);
  c.dtmfTxOffMs = f.integer("dtmfTxOffMs", c.dtmfTxOffMs);
  c.callerIdRx = callerIdStandardFrom(env, f.string("callerIdRx", "none"), where + ".callerIdRx");
  c.callerIdTx = callerIdStandardFrom(env, f.string("callerIdTx", "none"), where + ".callerIdTx");
  c.toneRx = f.boolean("toneRx", c.toneRx);
  if (f.has("tones")) {
    Napi::Array tones = f.array("tones");
    for (uint32_t i = 0; i < tones.Length(); i++) c.tones.push_back(toneFrom(f.element("tones", tones, i)));
  }
  c.echoCanceller = f.boolean("echoCanceller", c.echoCanceller);
  c.echoTailMs = f.integer("echoTailMs", c.echoTailMs);
  c.echoNlp = f.boolean("echoNlp", c.echoNlp);
  c.rxGainDb = static_cast<float>(f.number("rxGainDb", c.rxGainDb));
  c.txGainDb = static_cast<float>(f.number("txGainDb", c.txGainDb));
  return c;
}

CallerId callerIdFrom(Napi::Env env, Napi::Object obj, const std::string& where) {
  Fields f(env, obj, where);
  CallerId id;
  id.mdmf = f.boolean("mdmf", true);
  id.dateTime = f.string("dateTime", "");
  id.number = f.string("number", "");
  id.name = f.string("name", "");
  id.numberAbsence = absence(f, "numberAbsence");
  id.nameAbsence = absence(f, "nameAbsence");
  id.redirectingNumber = f.string("redirectingNumber", "");
  id.callType = f.integer("callType", -1);
  return id;
}

Napi::Object callerIdToJs(Napi::Env env, const CallerId& id) {
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

}  // namespace sipline::dsp
