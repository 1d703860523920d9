// The addon's one entry point. Everything JavaScript may call is registered
// here; src/hw/addon.ts is the only module that loads it.
#include <napi.h>

#include <dahdi/user.h>
#include <spandsp.h>
#include <spandsp/version.h>

#include "sipline_versions.h"
#include "card/card_addon.h"
#include "dsp/binding.h"
#include "notify/notify_socket.h"
#include "rtp/rtp_addon.h"

// The DAHDI backend needs these ioctls; fail the build, not the first call.
#if !defined(DAHDI_SPECIFY) || !defined(DAHDI_GETEVENT) || !defined(DAHDI_HOOK) || !defined(DAHDI_SPANSTAT)
#error "dahdi/user.h lacks the channel ioctls sipline needs (DAHDI 2.x or later required)"
#endif

namespace {

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), SIPLINE_VERSION);
}

// Versions of what the addon was built against, for `sipline --version` and bug reports.
Napi::Value Versions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("addon", SIPLINE_VERSION);
  out.Set("spandsp", SIPLINE_SPANDSP_VERSION);
  out.Set("spandspRelease", SPANDSP_RELEASE_DATETIME_STRING);
  out.Set("dahdiHeaders", SIPLINE_DAHDI_HEADERS_VERSION);
  out.Set("napi", NAPI_VERSION);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, Version, "version"));
  exports.Set("versions", Napi::Function::New(env, Versions, "versions"));
  sipline::card::registerCard(env, exports);
  sipline::dsp::RegisterDsp(env, exports);
  sipline::notify::registerNotify(env, exports);
  sipline::rtp::registerRtp(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(sipline, Init)
