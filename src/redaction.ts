/**
 * Removes credentials from text that leaves the process (dead letters, logs): JWTs, bearer
 * values, and the values of secret-looking JSON keys. Raw tokens are refused by the contract,
 * but the input that was refused for carrying one must not carry it further.
 */
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const SECRET_KEY_VALUE =
  /("(?:[A-Za-z0-9_-]*(?:secret|password|passwd|api[_-]?key|authorization|access[_-]?token|refresh[_-]?token|id[_-]?token|credential|private[_-]?key)[A-Za-z0-9_-]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

export const REDACTED = '[REDACTED]';

export function redactSecrets(text: string): string {
  return text
    .replace(SECRET_KEY_VALUE, `$1"${REDACTED}"`)
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`);
}
