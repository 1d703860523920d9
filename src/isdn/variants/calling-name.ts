// The calling name travels differently per switch (profile.nameCarriage):
// these two functions are the only place that reads that difference.
import { EXT, ia5Encode } from '../ie/ie-codec.js';
import type { InformationElement } from '../information-element.js';
import { qsigCallingName, qsigCallingNameFacility } from './qsig-name.js';
import { variantProfile, type NameCarriage, type SwitchVariant, type VariantProfile } from './switch-variant.js';

const DISPLAY_ID = 0x28;
const CODESET_6 = 6;
/** ANSI T1.607 display type "calling party name". */
const CALLING_NAME_TYPE = 0xb1;

/** The IEs that carry a calling name on this variant. */
export function callingNameIes(name: string, variant: SwitchVariant | VariantProfile): InformationElement[] {
  const v = variantProfile(variant);
  switch (v.nameCarriage) {
    case 'display':
      return [{ kind: 'display', text: name }];
    case 'display-typed':
      // ANSI T1.607 clause 4.5.16: display type 0xb1 "calling party name".
      return [{ kind: 'display', text: name, displayType: v.displayTypeCallingName ?? CALLING_NAME_TYPE }];
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

/**
 * The calling name a message carries, if any. Every form is read whatever the
 * variant (libpri, for one, sends the typed display on AT&T variants too); the
 * variant's own form wins when a message carries several.
 */
export function callingName(ies: readonly InformationElement[], variant: SwitchVariant | VariantProfile): string | undefined {
  const v = variantProfile(variant);
  const found = new Map<NameCarriage, string>();
  for (const ie of ies) {
    if (ie.kind === 'display' && (ie.displayType === undefined || ie.displayType === CALLING_NAME_TYPE)) {
      const form = ie.displayType === undefined ? 'display' : 'display-typed';
      if (!found.has(form)) found.set(form, ie.text);
    } else if (ie.kind === 'facility') {
      const name = qsigCallingName(ie.data);
      if (name !== undefined && !found.has('facility')) found.set('facility', name);
    } else if (ie.kind === 'opaque' && ie.codeset === CODESET_6 && ie.identifier === DISPLAY_ID && !found.has('codeset6-display')) {
      found.set('codeset6-display', String.fromCharCode(...ie.data.filter((o) => !(o & EXT))));
    }
  }
  return found.get(v.nameCarriage) ?? found.values().next().value;
}
