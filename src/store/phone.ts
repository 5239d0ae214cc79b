// Phone numbers are stored in E.164 (`+447700900123`), whatever way they were typed
// or presented by the carrier.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

// Ofcom reserves these UK ranges for drama and documentation; libphonenumber calls them
// invalid (they are never allocated), but they are exactly what demos and tests use.
const OFCOM_DRAMA = [
  /^\+447700900\d{3}$/, // mobile 07700 900000–900999
  /^\+441632960\d{3}$/, // 01632 960000–960999 (no area)
  /^\+44(113|114|115|116|117|118|121|131|141|151|161)4960\d{3}$/, // city ranges 0xxx 496 0000–0999
  /^\+442079460\d{3}$/, // London 020 7946 0000–0999
  /^\+442890180\d{3}$/, // Belfast 028 9018 0000–0999
  /^\+442920180\d{3}$/, // Cardiff 029 2018 0000–0999
  /^\+441914980\d{3}$/, // Tyneside 0191 498 0000–0999
  /^\+448081570\d{3}$/, // freephone 0808 157 0000–0999
];

/** The number in E.164, or null when it is not a real (or Ofcom drama) number. */
export function toE164(raw: string, region: CountryCode = 'GB'): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), region);
  if (!parsed) return null;
  const e164 = parsed.number;
  if (parsed.isValid() || OFCOM_DRAMA.some((range) => range.test(e164))) return e164;
  return null;
}
