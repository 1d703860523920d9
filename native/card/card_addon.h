// Registers the card layer on the addon's exports: SimCard (the emulated
// card's far end) and Card (a card and its I/O thread).
#pragma once

#include <napi.h>

namespace sipline::card {
void registerCard(Napi::Env env, Napi::Object exports);
}
