/**
 * Grant ids: 8 characters of lower-case Crockford base32 (no i, l, o, u), 40 bits of randomness.
 * Short enough to type and to fit in an Azure rule name beside the VM name (80 characters in all),
 * and lower-case because Azure rule names are case-insensitive.
 */
import { UserError } from './errors.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const GRANT_ID_LENGTH = 8;
const GRANT_ID = new RegExp(`^[${ALPHABET}]{${GRANT_ID_LENGTH}}$`);

/** `random` fills a byte array (crypto.getRandomValues by default; tests pass a fixed source). */
export function newGrantId(
  random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b),
): string {
  const bytes = random(new Uint8Array(GRANT_ID_LENGTH));
  return Array.from(bytes, (byte) => ALPHABET[byte & 31]).join('');
}

export function isGrantId(text: string): boolean {
  return GRANT_ID.test(text);
}

export function parseGrantId(input: string, flag: string): string {
  const id = input.trim().toLowerCase();
  if (!isGrantId(id)) {
    throw new UserError(
      'JIT_INVALID_GRANT_ID',
      `${flag} "${input}" is not a grant id: ${GRANT_ID_LENGTH} characters of 0-9 and a-z (without i, l, o, u).`,
    );
  }
  return id;
}
