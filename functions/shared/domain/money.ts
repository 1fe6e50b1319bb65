/**
 * Money travels as decimal strings ("12.50", "1200", "1.250") and is computed in integer minor units,
 * as bigint: never a float, and no total of any allowed quantity and price can overflow.
 */

/** The shape of an amount: up to 12 integer digits and 4 decimals (CLF and UYW have 4). */
export const MONEY_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,4})?$/;

/**
 * ISO 4217 minor units of the currencies that have other than 2. Not read from Intl: its data (CLDR)
 * gives the digits shops display, which differ from ISO 4217 for many currencies (HUF, IDR, COP, IQD...).
 */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF']
      .concat(['UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'])
      .map((code) => [code, 0]),
  ),
  ...Object.fromEntries(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((code) => [code, 3])),
  CLF: 4,
  UYW: 4,
};

/**
 * ISO 4217 codes with no minor unit defined ("N.A."): precious metals, SDRs, bond units, the testing and
 * no-currency codes. Nothing is sold in them.
 */
export const NOT_FOR_SALE = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);

export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/**
 * The amount in the currency's minor units, or undefined when it is not an amount of that currency: a
 * malformed string, or one with more decimals than the currency has (trailing zeros are fine: "1200.00"
 * is 1200 JPY, "1200.50" is no JPY amount).
 */
export function parseAmount(amount: string, currency: string): bigint | undefined {
  if (!MONEY_PATTERN.test(amount)) return undefined;
  const digits = minorUnits(currency);
  const [whole, fraction = ''] = amount.split('.');
  if (/[^0]/.test(fraction.slice(digits))) return undefined;
  return (
    BigInt(whole!) * 10n ** BigInt(digits) + BigInt(fraction.slice(0, digits).padEnd(digits, '0') || '0')
  );
}

/** Like parseAmount, for amounts already checked (stored orders, settings). */
export function toMinor(amount: string, currency: string): bigint {
  const minor = parseAmount(amount, currency);
  if (minor === undefined) throw new RangeError(`not a ${currency} amount: ${amount}`);
  return minor;
}

/** Minor units as the currency writes them: "1200" JPY, "12.50" USD, "1.250" KWD. */
export function fromMinor(minor: bigint, currency: string): string {
  if (minor < 0n) throw new RangeError(`not a minor-unit amount: ${minor}`);
  const digits = minorUnits(currency);
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** An amount written with exactly the currency's minor units ("12.5" USD → "12.50"). */
export function normalizeAmount(amount: string, currency: string): string {
  return fromMinor(toMinor(amount, currency), currency);
}

const groupedFormats = new Map<string, Intl.NumberFormat>();

/**
 * An amount for people to read, with the currency's code and its own minor units: "EUR 1,234.50",
 * "JPY 12,000", "KWD 1.250". Intl formats the decimal string exactly (no float on the way), and sums
 * beyond an input amount's 12 digits too.
 */
export function formatMoney(amount: string, currency: string): string {
  if (!/^\d+(\.\d+)?$/.test(amount)) throw new RangeError(`not an amount: ${amount}`);
  let format = groupedFormats.get(currency);
  if (!format) {
    const digits = minorUnits(currency);
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      currencyDisplay: 'code',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    groupedFormats.set(currency, format);
  }
  return format.format(amount as Intl.StringNumericLiteral).replace(/\s/g, ' ');
}
