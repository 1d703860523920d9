// The one module that loads the native addon. Everything else in src/ reaches
// the card through the typed objects built on this module, never the addon.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Versions the addon was built with. */
export interface AddonVersions {
  addon: string;
  spandsp: string;
  /** spandsp's own release stamp from spandsp/version.h. */
  spandspRelease: string;
  /** Version of the DAHDI user headers (dahdi/user.h) compiled in. */
  dahdiHeaders: string;
  napi: number;
}

/** What the addon exports, as JavaScript sees it. */
export interface Addon {
  version(): string;
  versions(): AddonVersions;
  /** Per-channel DSP handle; src/hw/dsp.ts gives it its types. */
  Dsp: new (config: object) => AddonDsp;
  encodeCallerId(standard: string, callerId: object): Uint8Array;
  decodeCallerId(standard: string, bytes: Uint8Array): { callerId?: unknown; error?: string };
}

/** The native DSP handle, untyped beyond its shape (see src/hw/dsp.ts). */
export interface AddonDsp {
  rx(samples: Int16Array, withClean?: boolean): { events: unknown[]; clean?: Int16Array };
  tx(voiceOrCount: Int16Array | number): { samples: Int16Array; generated: number };
  sendDigits(digits: string): void;
  playTone(name: string): void;
  stopTone(): void;
  sendCallerId(callerId: object): void;
  txBusy(): boolean;
  levels(): { rxDbm0: number; txDbm0: number; erleDb: number };
  close(): void;
}

/** Raised when the compiled addon is missing or does not load. */
export class AddonLoadError extends Error {
  override readonly name = 'AddonLoadError';
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new AddonLoadError('cannot find the sipline package root');
    dir = up;
  }
  return dir;
}

let loaded: Addon | undefined;

/** Loads build/Release/sipline.node once. */
export function addon(): Addon {
  if (loaded) return loaded;
  const path = join(packageRoot(), 'build', 'Release', 'sipline.node');
  if (!existsSync(path)) {
    throw new AddonLoadError(`native addon not built (${path} missing): run scripts/setup or npm run build:native`);
  }
  try {
    loaded = createRequire(import.meta.url)(path) as Addon;
  } catch (err) {
    throw new AddonLoadError(`native addon ${path} failed to load: ${(err as Error).message}`);
  }
  return loaded;
}
