// The calling name travels differently per switch (profile.nameCarriage):
// these two functions are the only place that reads that difference.
import { EXT, ia5Encode } from '../ie/ie-codec.js';
import type { InformationElement } from '../information-element.js';
import { qsigCallingName, qsigCallingNameFacility } from './qsig-name.js';
import { variantProfile, type SwitchVariant, type VariantProfile } from './switch-variant.js';

const DISPLAY_ID = 0x28;
const CODESET_6 = 6;

/** The IEs that carry a calling name on this variant. */
export function callingNameIes(name: string, variant: SwitchVariant | VariantProfile): InformationElement[] {
  const v = variantProfile(variant);
  switch (v.nameCarriage) {
    case 'display':
      return [{ kind: 'display', text: name }];
    case 'display-typed':
      // ANSI T1.607 clause 4.5.16: display type 0xb1 "calling party name".
      return [{ kind: 'display', text: name, displayType: v.displayTypeCallingName ?? 0xb1 }];
    case 'codeset6-display': {
      const data = ia5Encode('codeset 6 display', 'text', name);
      // Q.931 clause 4.5.4: a non-locking shift puts only the next IE into codeset 6.
      return [
        { kind: 'shift', locking: false, codeset: CODESET_6 },
        { kind: 'opaque', codeset: CODESET_6, identifier: DISPLAY_ID, data },
      ];
    }
    case 'facility':
      // ECMA-164: the name is a callingName invoke in a facility IE.
      return [{ kind: 'facility', data: qsigCallingNameFacility(name) }];
  }
}

/** The calling name a message carries on this variant, if any. */
export function callingName(ies: readonly InformationElement[], variant: SwitchVariant | VariantProfile): string | undefined {
  const v = variantProfile(variant);
  for (const ie of ies) {
    if (ie.kind === 'display' && v.nameCarriage !== 'codeset6-display') {
      if (v.displayTypeCallingName === null || ie.displayType === undefined || ie.displayType === v.displayTypeCallingName) return ie.text;
    }
    if (ie.kind === 'facility' && v.nameCarriage === 'facility') {
      const name = qsigCallingName(ie.data);
      if (name !== undefined) return name;
    }
    if (ie.kind === 'opaque' && ie.codeset === CODESET_6 && ie.identifier === DISPLAY_ID && v.nameCarriage === 'codeset6-display') {
      return String.fromCharCode(...ie.data.filter((o) => !(o & EXT)));
    }
  }
  return undefined;
}
