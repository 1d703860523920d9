// What kind of number a call goes to, as the country the lines are in dials
// it: the class decides whether a source may reach it (toll fraud is calls
// to international and premium-rate numbers) and whose minutes it spends.
// The number types come from libphonenumber-js's full metadata ("max"); the
// smaller default set cannot tell mobile numbers from fixed ones.
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max';

export const DESTINATION_CLASSES = ['emergency', 'national', 'mobile', 'international', 'premium-rate', 'shared-cost', 'short-code', 'toll-free'] as const;
export type DestinationClass = (typeof DESTINATION_CLASSES)[number];

/** Classes no SIP source reaches unless a route or the source allows them by name. */
export const DENIED_TO_SIP: readonly DestinationClass[] = ['international', 'premium-rate'];

/** Numbers this long or shorter, without a leading +, that are no number of the plan: service and short codes. */
const SHORT_CODE_DIGITS = 6;

const byType: Partial<Record<NumberType & string, DestinationClass>> = {
  FIXED_LINE: 'national',
  // North America numbers mobiles like fixed lines: one class for both there.
  FIXED_LINE_OR_MOBILE: 'national',
  VOIP: 'national',
  UAN: 'national',
  VOICEMAIL: 'national',
  MOBILE: 'mobile',
  PAGER: 'mobile',
  PREMIUM_RATE: 'premium-rate',
  // "Personal numbers" (UK 070) are charged like premium rate and are a classic fraud target.
  PERSONAL_NUMBER: 'premium-rate',
  SHARED_COST: 'shared-cost',
  TOLL_FREE: 'toll-free',
};

/**
 * The class of `number` (digits as they go to the line or trunk, or +E.164)
 * dialled in `country` (ISO 3166 alpha-2). `emergency` says whether the
 * number is one of the gateway's emergency numbers. A number of another
 * country, or of another country sharing the calling code (+1 876 from the
 * US), is international; one of our country that the metadata cannot type
 * (too short to be valid, a range it does not know) is national.
 */
export function destinationClass(number: string, country: string, emergency: (n: string) => boolean = () => false): DestinationClass {
  if (emergency(number)) return 'emergency';
  const home = country.toUpperCase() as CountryCode;
  if (!number.startsWith('+') && number.replace(/[^0-9]/g, '').length <= SHORT_CODE_DIGITS) return 'short-code';
  const p = parsePhoneNumberFromString(number, home);
  if (!p) return number.startsWith('+') ? 'international' : 'national';
  if (p.countryCallingCode !== getCountryCallingCode(home)) return 'international';
  if (p.country !== undefined && p.country !== home) return 'international';
  const type = p.getType();
  return (type !== undefined ? byType[type] : undefined) ?? 'national';
}

/**
 * The country called numbers are classed in: `country`, else the country of
 * the tone zone (its ISO code; "uk" is GB); undefined when neither names one.
 */
export function homeCountry(config: { country?: string; toneZone?: string }): string | undefined {
  const code = (config.country ?? (config.toneZone?.toLowerCase() === 'uk' ? 'GB' : config.toneZone))?.toUpperCase();
  return code !== undefined && isSupportedCountry(code) ? code : undefined;
}
