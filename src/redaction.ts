/**
 * Removes credentials from text that leaves the process (dead letters, logs, alerts, stored state):
 * JWTs, bearer values, credentials of well-known formats, the values of secret-looking JSON keys
 * and `name=value` parameters, URL userinfo and credential-named URL query parameters, and the
 * values of `token` and `fingerprint` fields that are not fingerprints. Raw tokens are refused in
 * the contract's token fields; elsewhere in an event (a resource URL, a session id, a token's task)
 * one is processed, and redacted where it leaves.
 */
import { isFingerprintValue, KNOWN_CREDENTIAL_FORMS } from './events/contract.js';

/**
 * A JWT: `eyJ` (`{"` in base64url) and three dot-separated base64url parts. Tried only at the first
 * `eyJ` of a run of base64url characters: a later one in the same run reaches the same dot, so it
 * fails or matches as the first did, and trying each of them made a long run of `eyJ` quadratic.
 */
const JWT = /eyJ(?<!eyJ[A-Za-z0-9_-]*?eyJ)[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
/** The characters of a key or parameter name. */
const NAME_CHAR = 'A-Za-z0-9_-';
/**
 * What makes a name secret (password, api_key, authorization, auth_token, x-auth-token, …), anywhere
 * in it. A bare `token` is not: the contract's `token` fields hold fingerprints, judged by value.
 */
const SECRET_WORD = '(?:secret|password|passwd|pwd|passphrase|api[_-]?key|authorization|access[_-]?token|refresh[_-]?token|id[_-]?token|[_-]token|(?:auth|session|api|bearer|client|service|github|gitlab|slack|npm)token|credential|private[_-]?key)';
/**
 * A secret-named name followed by `end` (not taken). The patterns that read a name read it once,
 * from its start: lookaheads check what ends it and that a secret word is in it, then it is taken
 * whole. A name pattern with a class star on either side of the word, tried at every word boundary,
 * was quadratic on a long run of name characters (`a-a-a-…secret`, `"secretsecret…`): one malformed
 * line stalled the stream for minutes.
 */
function secretNameBefore(end: string): string {
  return `(?=[${NAME_CHAR}]+${end})(?=[${NAME_CHAR}]*?${SECRET_WORD})[${NAME_CHAR}]+`;
}
/** A JSON string value, or what there is of it when the text is cut short. */
const STRING_VALUE = '"(?:[^"\\\\]|\\\\.)*(?:"|$)';
/**
 * What a bare value (broken JSON: `"password": hunter2}`) must not start with. Numbers and literals
 * are no credentials. An object or array is left whole, its members judged by their own keys and
 * by the other patterns: a detector's state may key what it learned by a tool or system name such
 * as `read_secret`, and taking `{"n":…` as a bare value up to the next comma made invalid JSON.
 */
const NOT_BARE_SECRET = '(?:[{[]|(?:-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|true|false|null)(?:[,}\\]\\s]|$))';
/** A secret-named JSON key, its colon and the space before its value. */
const SECRET_KEY = `"${secretNameBefore('"\\s*:')}"\\s*:\\s*`;
/** A secret-named JSON key and its value: a string (possibly cut short), or bare in broken JSON. */
const SECRET_KEY_VALUE = new RegExp(`(${SECRET_KEY})(?:${STRING_VALUE}|(?!${NOT_BARE_SECRET})[^,}\\]\\s]+)`, 'gi');
/** A secret-named key in single quotes and its value, as Python prints a dict (`{'password': 'hunter2'}`). */
const SINGLE_QUOTED_SECRET_KEY_VALUE = new RegExp(`('${secretNameBefore("'\\s*:")}'\\s*:\\s*)'(?:[^'\\\\]|\\\\.)*(?:'|$)`, 'gi');
/** A secret-named JSON key opening an array (`"api_keys":[`): where `redactSecretArrays` starts reading. */
const SECRET_KEY_ARRAY = new RegExp(`${SECRET_KEY}\\[`, 'gi');
const SECRET_NAME_ONLY = new RegExp(`^${secretNameBefore('$')}`, 'i');

/** True for a field name that holds a secret (password, api_key, authorization, …). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_ONLY.test(name);
}

export const REDACTED = '[REDACTED]';

/**
 * A parameter's value after `=`, up to what ends it in a URL, a header or a `key=value` list. A
 * `)` is taken inside the value (a password may hold one), not when it ends it: the `)` that closes
 * a sentence's aside, before a space, a stop or the end.
 */
const PARAM_VALUE = `(?!\\[REDACTED\\])(?:[^&\\s"'<>,;)\\\\]|\\)(?=[^\\s&"'<>,;)\\\\.]))+`;
/** A value after an encoded `=` (`%3D`: a URL inside another's query), which an encoded `&` ends too. */
const ENCODED_PARAM_VALUE = `(?!\\[REDACTED\\])(?:[^%&\\s"'<>,;\\\\]|%(?!26))+`;
/** `=` and a value, or `%3D` and an encoded value: the two groups keep the sign as written. */
const PARAM_ASSIGNMENT = `(?:(=)${PARAM_VALUE}|(%3D)${ENCODED_PARAM_VALUE})`;

/**
 * `=` and a value as config files and command lines write a secret: spaces around the sign, the
 * value bare or quoted (`password = "correct horse"`, `SECRET_KEY='…'`); or `%3D` and an encoded value.
 */
const SECRET_ASSIGNMENT = `(?:([ \\t]*=[ \\t]*)(?:"[^"\\r\\n\\\\]*"|'[^'\\r\\n\\\\]*'|${PARAM_VALUE})|(%3D)${ENCODED_PARAM_VALUE})`;

/** A secret-named parameter in text, as in a URL query (`?access_token=…`), a `key=value` list or a config line. */
const SECRET_PARAM = new RegExp(
  `(?<![${NAME_CHAR}])(${secretNameBefore('[ \\t]*(?:=|%3D)')})${SECRET_ASSIGNMENT}`,
  'gi',
);

/**
 * A secret-named header or `name: value` line (`Authorization: Token 9944…`, `X-Api-Key: …`,
 * `password: hunter2`), as an agent's HTTP tool quotes a request: the whole value, scheme and all,
 * up to the end of the line (or of the JSON string holding it). Only with a secret word in the name
 * and a space after the colon, so that keys such as `token:9f2c…` or `system:hr-prod` are left, and
 * not after a dot: a config error names its field by path (`source.sasl.password: Required`).
 */
const SECRET_HEADER = new RegExp(
  `(?<![.${NAME_CHAR}])(${secretNameBefore(':[ \\t]')}:[ \\t]+)(?!\\[REDACTED\\]|(?:Bearer|Basic)\\s+\\[REDACTED\\])[^\\r\\n"\\\\]+`,
  'gi',
);

/** The name of a credential in a query or a cookie: a session id, a JWT, a token, a signature. */
const CREDENTIAL_NAME = `(?:sid|jwt|[${NAME_CHAR}]*(?:token|sig|signature|sess(?:ion)?[_-]?(?:id|key)))`;
/** The name of a credential in a query, where also `code` (OAuth), `auth` and `key` are. */
const QUERY_CREDENTIAL_WORD = `(?:code|auth|key|${CREDENTIAL_NAME})`;
/**
 * A URL query or fragment parameter named as a credential without a secret word in the name:
 * `token`, `private_token`, `X-Amz-Security-Token`, `sig`, `X-Amz-Signature`, `code` (an OAuth
 * authorization code), `auth`, `key`, `sid`, `jwt`, session ids. Only right after `?`, `&`, `#` or
 * `;` (also encoded, `%3F` and `%26`), and only the whole name: `exit code=1`, `tool=` or `?tokens=`
 * are left. A cookie (`Cookie: theme=dark; session_id=…`, also a JSON `"cookie":"…"`) separates
 * with `; ` and starts after the header's colon; there the short names `code`, `auth` and `key` are
 * left, as text such as `retry failed; code=503` would otherwise lose its meaning.
 * The name is read once from the separator, so a long run of name characters is not retried.
 */
const QUERY_CREDENTIAL_NAME =
  `(?:(?:[?&#;]|%3F|%26)${QUERY_CREDENTIAL_WORD}|(?:;[ \\t]+|\\bcookie"?[ \\t]*:[ \\t]*"?)${CREDENTIAL_NAME})`;
const QUERY_CREDENTIAL = new RegExp(`(${QUERY_CREDENTIAL_NAME})${PARAM_ASSIGNMENT}`, 'gi');
const QUERY_CREDENTIAL_ONLY = new RegExp(`^${QUERY_CREDENTIAL_WORD}$`, 'i');

/** True for a URL query parameter whose value redaction removes: secret-named (`api_key`) or named as a credential (`token`, `sig`, `code`, …). */
export function isCredentialParamName(name: string): boolean {
  return isSecretName(name) || QUERY_CREDENTIAL_ONLY.test(name);
}

/** The name and sign of a parameter whose value is redacted. */
function keepName(_param: string, name: string, equals: string | undefined, encodedEquals: string | undefined): string {
  return `${name}${equals ?? encodedEquals}${REDACTED}`;
}

/** The characters of a token: base64, base64url, hex and the like. */
const TOKEN_CHAR = 'A-Za-z0-9._~+=-';
/** 20 or more token characters, `/` too, with letters and digits. */
const TOKEN_LIKE = new RegExp(`^(?=[^]*[A-Za-z])(?=[^]*\\d)[/${TOKEN_CHAR}]{20,}$`);

/**
 * True for a value that looks like a token rather than a word or a name: 20 or more characters of
 * a token's alphabet, mixing letters and digits. Keys, hex digests and base64 secrets are that long
 * and mixed; user, host, system and package names are shorter or without digits.
 */
export function isTokenLike(value: string): boolean {
  return TOKEN_LIKE.test(value);
}

/** A token-like run of token characters (see isTokenLike) ending at `end`, which is taken too. */
function tokenLikeBefore(end: string): string {
  return `(?=[${TOKEN_CHAR}]{20,}${end})(?=[${TOKEN_CHAR}]*?[A-Za-z])(?=[${TOKEN_CHAR}]*?\\d)[${TOKEN_CHAR}]+${end}`;
}

/**
 * A URL's userinfo when it holds a credential: a password (`https://user:password@host`, an `@` in
 * it taken up to the last one before the host), or a token-like user name alone
 * (`https://<token>@host`). The whole userinfo is replaced, as the user name of a pair is often the
 * key itself (`https://sk_live_…:@api.example`, `https://apikey:…@`). A plain user name is kept:
 * `postgres://reporter@warehouse` or `ssh://git@github.com` name a system, and stored state that
 * lost it would restore a different one. The characters are those of RFC 3986 userinfo but `,` and
 * `'`, which in text end a URL (`https://site.org,admin@site.org`); a password may also hold `#`,
 * which people write unencoded (`postgres://admin:Hun#ter2@db`). `/` is not taken: a path may hold
 * an `@` (`https://registry.example:443/@scope/pkg`). Also with JSON-escaped slashes
 * (`https:\/\/`), or percent-encoded in another URL (`%3A%2F%2Fuser%3Apassword%40host`).
 */
const USER_CHAR = `A-Za-z0-9._~%!$&()*+;=-`;
const SCHEME_SEPARATOR = ':(?:\\\\?\\/){2}';
const USERINFO = `(?:[${USER_CHAR}]*:[:@#${USER_CHAR}]*@|${tokenLikeBefore('@')})`;
/** An encoded user name character: `%` but not an encoded `/`, `?`, `#`, `:`, `@` or `,`. */
const ENCODED_USER_CHAR = `(?:[A-Za-z0-9._~!$()*+;=-]|%(?!2F|3F|23|3A|40|2C))`;
const ENCODED_USERINFO = `(?:${ENCODED_USER_CHAR}*%3A(?:${ENCODED_USER_CHAR}|%3A|%40)*%40|${tokenLikeBefore('%40')})`;
const URL_USERINFO = new RegExp(`(${SCHEME_SEPARATOR})${USERINFO}|(%3A%2F%2F)${ENCODED_USERINFO}`, 'gi');

/** A `token` or `fingerprint` key with a string value (or what there is of it when the text is cut short): the contract's fingerprint fields. */
const FINGERPRINT_FIELD = /("(?:token|fingerprint)"\s*:\s*")((?:[^"\\]|\\.)*)("|$)/g;
/**
 * Any credential of a well-known format (GitHub, Slack, OpenAI, Stripe, AWS, Google, …), anywhere
 * but inside a word: also after `_` (`token_ghp_…`, `key_AKIA…`), which `\b` would not allow.
 */
const KNOWN_CREDENTIAL = new RegExp(`(?<![A-Za-z0-9])(?:${KNOWN_CREDENTIAL_FORMS})`, 'g');

/**
 * Text that any of the patterns below could match contains one of these (keep them a superset when
 * a pattern is added: each redaction test goes through them), so the common text that holds
 * nothing to redact is decided by a few scans. Separate expressions, not one alternation: each keeps
 * the engine's quick search for its first characters, and together they cost half as much.
 */
const MAYBE_SECRET = [
  /eyJ|bearer|basic|secret|passw|pwd|passphrase|api[_-]?key|authorization|access[_-]?token|refresh[_-]?token|id[_-]?token|[_-]token|(?:auth|session|api|bearer|client|service|github|gitlab|slack|npm)token|credential|private[_-]?key|-----BEGIN |"(?:token|fingerprint)"|gh[pousr]_|github_pat_|xox[abposr]-|sk-|[sr]k_|AKIA|ASIA|AGPA|AIDA|AROA|AIza|glpat-|npm_|hf_/i,
  new RegExp(`${SCHEME_SEPARATOR}${USERINFO}|%3A%2F%2F`, 'i'),
  new RegExp(`${QUERY_CREDENTIAL_NAME}(?:=|%3D)`, 'i'),
  // Case-sensitive: `SG.` would otherwise be found in every `msg.` of a tool name.
  /SG\.|shp(?:at|ca|pa|ss)_|pypi-AgEI|do[opr]_v1_|ATATT|glsa_|glc_|dapi[a-f0-9]|ya29\.|hooks\.slack\.com/,
];

/** A loop rather than `some` with a closure: called for every name of every event, and a closure per call is garbage. */
function maybeSecret(text: string): boolean {
  for (let i = 0; i < MAYBE_SECRET.length; i++) if ((MAYBE_SECRET[i] as RegExp).test(text)) return true;
  return false;
}

export function redactSecrets(text: string): string {
  if (!maybeSecret(text)) return text;
  // Bearer values first: in broken JSON a bare `Bearer <token>` value would otherwise lose only its first word.
  return redactSecretArrays(
    redactPrivateKeys(text).replace(BEARER, `$1 ${REDACTED}`).replace(SECRET_KEY_VALUE, `$1"${REDACTED}"`).replace(SINGLE_QUOTED_SECRET_KEY_VALUE, `$1'${REDACTED}'`),
  )
    .replace(SECRET_PARAM, keepName)
    .replace(SECRET_HEADER, `$1${REDACTED}`)
    .replace(QUERY_CREDENTIAL, keepName)
    .replace(URL_USERINFO, (_userinfo, scheme?: string, encodedScheme?: string) => (scheme !== undefined ? `${scheme}${REDACTED}@` : `${encodedScheme}${REDACTED}%40`))
    // A fingerprint field refused for not being a fingerprint may hold the raw credential itself.
    .replace(FINGERPRINT_FIELD, (field, key: string, value: string, quote: string) => (isFingerprintValue(value) ? field : `${key}${REDACTED}${quote}`))
    .replace(KNOWN_CREDENTIAL, REDACTED)
    .replace(JWT, REDACTED);
}

const PEM_BEGIN = '-----BEGIN ';
/** The label of a private key: `RSA PRIVATE KEY`, `PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`, … */
const PRIVATE_KEY_LABEL = /PRIVATE KEY(?: BLOCK)?$/;
/** What a PEM body is made of: base64, line breaks, and line breaks as JSON text writes them (`\\n`). */
const PEM_BODY = /[A-Za-z0-9+/=\r\n\t ]|\\[nrt]/y;

/**
 * PEM and PGP private keys (`-----BEGIN RSA PRIVATE KEY-----` … `-----END RSA PRIVATE KEY-----`, `-----BEGIN PGP PRIVATE KEY BLOCK-----` …): the begin
 * line, the body and the end line, or the body to where it stops when the end line is missing (a
 * cut text). Never past what a body is made of, so a JSON string's quote is never taken.
 * Certificates and public keys are kept. Each part of the text is read once or twice: linear.
 */
function redactPrivateKeys(text: string): string {
  let at = text.indexOf(PEM_BEGIN);
  if (at < 0) return text;
  let out = '';
  let copied = 0;
  while (at >= 0) {
    const labelStart = at + PEM_BEGIN.length;
    const labelEnd = text.indexOf('-----', labelStart);
    const label = labelEnd < 0 ? '' : text.slice(labelStart, labelEnd);
    if (label.length > 40 || !PRIVATE_KEY_LABEL.test(label)) {
      at = text.indexOf(PEM_BEGIN, labelStart);
      continue;
    }
    let stop = labelEnd + 5;
    PEM_BODY.lastIndex = stop;
    while (PEM_BODY.test(text)) stop = PEM_BODY.lastIndex;
    const endLine = `-----END ${label}-----`;
    if (text.startsWith(endLine, stop)) stop += endLine.length;
    out += `${text.slice(copied, at)}${REDACTED}`;
    copied = stop;
    at = text.indexOf(PEM_BEGIN, stop);
  }
  return out + text.slice(copied);
}

/**
 * Redacts the strings of every array held by a secret-named key (`"api_keys":["…", …]`), also those
 * after a nested object and in nested arrays, which a regular expression cannot reach (it cannot
 * count brackets). A nested object's members are judged by their own keys: its strings are kept
 * unless its key is secret-named (those values were redacted before), and an array it holds under a
 * secret-named key is redacted in turn. Reads from each secret-named key's `[` to its closing `]`
 * (or the end of text cut short) once: linear in the text.
 */
function redactSecretArrays(text: string): string {
  SECRET_KEY_ARRAY.lastIndex = 0;
  let match = SECRET_KEY_ARRAY.exec(text);
  if (match === null) return text;
  let out = '';
  let copied = 0;
  while (match !== null) {
    const end = scanSecretArray(text, SECRET_KEY_ARRAY.lastIndex, (start, stop) => {
      out += `${text.slice(copied, start)}"${REDACTED}"`;
      copied = stop;
    });
    SECRET_KEY_ARRAY.lastIndex = end;
    match = SECRET_KEY_ARRAY.exec(text);
  }
  return out + text.slice(copied);
}

/**
 * Reads JSON text from just after a secret-named array's `[` to its closing bracket, calling
 * `redact(start, stop)` for each string (quotes included) held by a secret array: that one, an array
 * nested in it, or an array an object inside it holds under a secret-named key. Returns the position
 * after the closing bracket (the text's length when it never closes).
 */
function scanSecretArray(text: string, from: number, redact: (start: number, stop: number) => void): number {
  // Per open container, whether its strings are secret; objects are never (their keys judge).
  const secret: boolean[] = [true];
  // The last string was an object key followed by `:` with a secret name: an array opened next is secret.
  let secretKey = false;
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const stop = endOfString(text, i);
      let next = stop;
      while (next < text.length && isJsonSpace(text.charCodeAt(next))) next++;
      const inSecretArray = secret[secret.length - 1] === true;
      secretKey = !inSecretArray && text.charCodeAt(next) === 0x3a && isSecretName(text.slice(i + 1, stop - 1));
      if (inSecretArray) redact(i, stop);
      i = stop;
      continue;
    }
    if (c === 0x5b) {
      secret.push(secretKey || secret[secret.length - 1] === true);
    } else if (c === 0x7b) {
      secret.push(false);
    } else if (c === 0x5d || c === 0x7d) {
      secret.pop();
      if (secret.length === 0) return i + 1;
    }
    if (c !== 0x3a && !isJsonSpace(c)) secretKey = false;
    i++;
  }
  return i;
}

/** Position after the JSON string starting at `start` (a `"`), or the text's length when it is cut short. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return text.length;
}

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * `value` with `redactSecrets` applied to every string in it (object keys included), for structured
 * data that leaves the process as it is (alerts; stored state is redacted as JSON text, see
 * redactedJson, which is cheaper for large state). What holds no credential is returned
 * as it is, not copied, so shared parts (a registry entry's scope lists) are never changed in place.
 */
export function redactDeep<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const redacted = redactValue(item);
      if (redacted !== item) (copy ??= value.slice())[i] = redacted;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redactedKey = redactSecrets(key);
    const redacted = redactValue(item);
    if (redacted === item && redactedKey === key) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    if (redactedKey !== key) delete copy[key];
    copy[redactedKey] = redacted;
  }
  return copy ?? value;
}

/**
 * JSON of `value` for storage (changelog snapshots), with credentials redacted. The patterns read
 * JSON text; a string whose JSON form has escapes (a quoted request body `{"password":…}`,
 * `\u003d`) hides its credential from them there, so such strings are redacted as what they say
 * first. Text without a backslash has no escapes: the common case costs one pass.
 */
export function redactedJson(value: unknown): string {
  const json = JSON.stringify(value);
  return redactSecrets(json.includes('\\') ? JSON.stringify(value, redactEscapable) : json);
}

function redactEscapable(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? redactSecrets(value) : value;
}

/**
 * A received line (a dead letter's original) with credentials redacted: as text, or, when it is
 * JSON with escapes that could hide one, as its redacted JSON (whitespace and escapes then
 * normalised). A line that was cut (`cut`: only a prefix was kept) loses its last word, which
 * may be the start of a credential that no pattern recognises any more.
 */
export function redactedLine(line: string, cut = false): string {
  const redacted = line.includes('\\') ? redactedEscapedLine(line) : redactSecrets(line);
  return cut ? withoutCutWord(redacted) : redacted;
}

function redactedEscapedLine(line: string): string {
  try {
    const parsed: unknown = JSON.parse(line);
    const json = JSON.stringify(parsed);
    const escapable = JSON.stringify(parsed, redactEscapable);
    // Written back only when a string said more than its escaped text showed: else the line stays as it came.
    // (What redactedJson(parsed) gives, from the two texts already made.)
    if (escapable !== json) return redactSecrets(json.includes('\\') ? escapable : json);
    return redactSecrets(line);
  } catch {
    // Not JSON (or nested too deep to write back): the patterns read the text as it is, and the
    // text with its `\uXXXX` and `\/` escapes read, which may spell a credential the text hides.
  }
  const unescaped = line.replace(JSON_TEXT_ESCAPE, (escape) => (escape === '\\/' ? '/' : String.fromCharCode(Number.parseInt(escape.slice(2), 16))));
  const redacted = redactSecrets(unescaped);
  return redacted === unescaped ? redactSecrets(line) : redacted;
}

/** The escapes of JSON text that can hide a credential's characters: `\uXXXX` and `\/`. */
const JSON_TEXT_ESCAPE = /\\u[0-9A-Fa-f]{4}|\\\//g;

/** Characters of the credentials the patterns know (tokens, keys, base64, URL encoding). */
const WORD = /[A-Za-z0-9+/=_.~%-]/;
/** Longer than any credential's start worth hiding (a JWT is 1–2 KB): a longer run loses only this much. */
const MAX_CUT_WORD = 4096;

/**
 * Text that was cut at a size limit without its trailing run of credential characters (at most
 * the last 4,096): what a cut left of a credential, which no pattern recognises any more.
 */
export function withoutCutWord(text: string): string {
  let end = text.length;
  const stop = Math.max(0, text.length - MAX_CUT_WORD);
  while (end > stop && WORD.test(text[end - 1] as string)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * JSON of a small record with fixed key names (a token grant) for storage, redacted value by
 * value. `redactedJson` would run every pattern over each grant, whose `fingerprint` key alone
 * passes the screening: three times the cost, at every grant of every checkpoint.
 */
export function redactedValuesJson(value: object): string {
  return JSON.stringify(value, redactStoredValue);
}

function redactStoredValue(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  // As `redactSecrets` does for these fields in JSON text: a value that is no fingerprint may be the credential itself.
  if ((key === 'fingerprint' || key === 'token') && !isFingerprintValue(value)) return REDACTED;
  return redactSecrets(value);
}
