import fc from 'fast-check';
import type { KafkaMessage, Message, Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { configureDetector } from '../../../src/engine/configured-detector.js';
import { Engine } from '../../../src/engine/engine.js';
import { DEAD_LETTER_TEXT_LIMIT, deadLetter, type DeadLetter } from '../../../src/pipeline/dead-letter.js';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { alertId } from '../../../src/alerts/id.js';
import { restoreAgent, snapshotAgent } from '../../../src/engine/snapshot.js';
import { StateChangelog } from '../../../src/kafka/changelog.js';
import { DEAD_LETTER_KEY_LIMIT, DEAD_LETTER_VALUE_LIMIT, KafkaDeadLetterSink } from '../../../src/kafka/dead-letters.js';
import { DEFAULT_MAX_EVENT_BYTES } from '../../../src/events/native.js';
import { TokenCheckpoint } from '../../../src/kafka/token-checkpoint.js';
import { TokenFeed } from '../../../src/kafka/token-feed.js';
import { loadDetectors } from '../../../src/plugins/load.js';
import { selectDetectors } from '../../../src/plugins/select.js';
import { isSecretName, REDACTED, redactDeep, redactedJson, redactedValuesJson, redactSecrets } from '../../../src/redaction.js';
import { loadRegistry } from '../../../src/registry/registry.js';
import { defineDetector, z } from '../../../src/sdk/index.js';
import { stderrLogger } from '../../../src/telemetry/log.js';
import { everyEvent, widen } from '../../fixtures/core/detectors.js';
import { captureLogger } from '../sinks/support.js';
import { DEMO_REGISTRY } from '../../fixtures/core/cli.js';
import { accessDenied, at, rawToolUse, toolUse, tokenIssued } from '../../fixtures/core/events.js';

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJpbnZvaWNlLWJvdCIsImF1ZCI6ImVycCJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const BEARER_VALUE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const SECRETS = [JWT.split('.')[2]!, BEARER_VALUE, 'hunter2-correct-horse', 'AKIAEXAMPLESECRETKEY', 'c2VjcmV0OnBhc3N3b3Jk'];

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

async function deadLettersFor(lines: readonly string[]): Promise<DeadLetter[]> {
  const written: DeadLetter[] = [];
  const pipeline = new Pipeline(new Engine([configureDetector(widen(everyEvent))]), {
    sinks: [],
    deadLetters: { write: async (records) => void written.push(...records), close: async () => {} },
  });
  await pipeline.processBatch(lines.map((value, i) => ({ value, position: { file: 'in.jsonl', line: i + 1 } })));
  return written;
}

describe('redactSecrets', () => {
  it.each([
    ['a JWT anywhere', `token=${JWT} trailing`],
    ['a JWT in a JSON value', JSON.stringify({ token: JWT })],
    ['a Bearer value', `Authorization: Bearer ${BEARER_VALUE}`],
    ['a lower-case bearer value', `authorization: bearer ${BEARER_VALUE}`],
    ['a Basic value', 'Authorization: Basic c2VjcmV0OnBhc3N3b3Jk'],
    ['a password key', '{"password":"hunter2-correct-horse"}'],
    ['a spaced secret key', '{ "client_secret" : "hunter2-correct-horse" }'],
    ['an api key (any spelling)', '{"apiKey":"AKIAEXAMPLESECRETKEY","x-api-key":"AKIAEXAMPLESECRETKEY","API_KEY":"AKIAEXAMPLESECRETKEY"}'],
    ['an escaped quote inside the value', '{"db_password":"hunter2-correct-horse\\"still-secret"}'],
    ['refresh and access tokens', '{"refresh_token":"hunter2-correct-horse","accessToken":"hunter2-correct-horse"}'],
    ['a private key', '{"private_key":"hunter2-correct-horse"}'],
    ['a secret-named key in single quotes, as Python prints a dict', "{'password': 'hunter2-correct-horse', 'user': 'x'}"],
    ['a URL password with a # in it', 'postgres://admin:hunter2-correct#horse@db.example/x'],
  ])('removes %s', (_name, text) => {
    const redacted = redactSecrets(text);
    expectNoSecret(redacted);
    expect(redacted).not.toContain('still-secret');
    expect(redacted).toContain(REDACTED);
  });

  it('removes a secret-named parameter of a URL or a key=value list', () => {
    const redacted = redactSecrets('https://erp.example/export?access_token=hunter2-correct-horse&page=2; api_key=AKIAEXAMPLESECRETKEY');
    expectNoSecret(redacted);
    expect(redacted).toBe(`https://erp.example/export?access_token=${REDACTED}&page=2; api_key=${REDACTED}`);
    expect(redactSecrets(redacted)).toBe(redacted);
  });

  it('removes the value of a secret-named header or name: value line, scheme and all, to the end of its line', () => {
    const token = '9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b';
    const cases: Array<[string, string]> = [
      [`Authorization: Token ${token}`, `Authorization: ${REDACTED}`],
      [`authorization: token ${token}`, `authorization: ${REDACTED}`],
      ['Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261102/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027', `Authorization: ${REDACTED}`],
      [`GET /v1/export HTTP/1.1\nX-Api-Key: ${token}\nHost: erp.example`, `GET /v1/export HTTP/1.1\nX-Api-Key: ${REDACTED}\nHost: erp.example`],
      ['password: hunter2', `password: ${REDACTED}`],
      // In JSON text the value ends with its string or at an escaped line break.
      [`{"resource":"X-Api-Key: ${token}\\nHost: a"}`, `{"resource":"X-Api-Key: ${REDACTED}\\nHost: a"}`],
      // Bearer values keep their scheme, as before.
      [`Authorization: Bearer ${BEARER_VALUE}`, `Authorization: Bearer ${REDACTED}`],
    ];
    for (const [text, redacted] of cases) expect(redactSecrets(text), text).toBe(redacted);
    // Alert keys, config paths and prose are left: no space after the colon, a dotted path, no secret word before it.
    for (const kept of ['token:9f2c1d', 'system:hr-prod', 'driftwatch.yaml:7:3: source.sasl.password: Invalid input', 'authorization denials: 5']) {
      expect(redactSecrets(kept), kept).toBe(kept);
    }
  });

  it('removes camelCase token names (AWS SessionToken, authToken, .npmrc _authToken), pwd and passphrase', () => {
    for (const name of ['SessionToken', 'sessionToken', 'authToken', 'apiToken', 'bearerToken', 'githubToken', '_authToken', 'pwd', 'passphrase', 'keyPassphrase']) {
      expect(redactSecrets(`{"${name}":"9f2kLq81ZxPz0mN4vB7c","n":1}`), name).toBe(`{"${name}":"${REDACTED}","n":1}`);
    }
    expect(redactSecrets('//registry.npmjs.org/:_authToken=npm9f2kLq81ZxPz0mN4vB7c')).not.toContain('9f2kLq81');
    // Only these names: a word that merely ends in "token" stays (percent-encoding puts letters before names).
    expect(redactSecrets('{"maxtokens":"200","tokens":"3","retoken":"x"}')).toBe('{"maxtokens":"200","tokens":"3","retoken":"x"}');
  });

  it('removes a secret assigned as config files and command lines write it: spaces around =, the value quoted', () => {
    expect(redactSecrets('password = hunter2-correct end')).toBe(`password = ${REDACTED} end`);
    expect(redactSecrets('password="hunter2 correct horse" end')).toBe(`password=${REDACTED} end`);
    expect(redactSecrets("SECRET_KEY='AKIAEXAMPLE secret' next")).toBe(`SECRET_KEY=${REDACTED} next`);
    // An unquoted value still ends where a parameter ends.
    expect(redactSecrets('api_key=k1, user=bob')).toBe(`api_key=${REDACTED}, user=bob`);
  });

  it('removes a PGP private key block, and known credential formats after an underscore (token_ghp_…, key_AKIA…)', () => {
    const pgp = '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGZ0c2VjcmV0a2V5bWF0ZXJpYWw=\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----';
    expect(redactSecrets(`system ${pgp} end`)).toBe(`system ${REDACTED} end`);
    expect(redactSecrets('token_ghp_16C7e42F292c6912E7710c838347Ae178B4a and key_AKIAIOSFODNN7EXAMPLE')).toBe(`token_${REDACTED} and key_${REDACTED}`);
    // Inside a word it is no credential of that format: `risk-…` is not an `sk-` key.
    expect(redactSecrets('risk-assessment-report-for-q3-2026-final')).toBe('risk-assessment-report-for-q3-2026-final');
  });

  it('removes the credentials of more well-known formats, and keeps names that only contain their prefixes', () => {
    const credentials = [
      'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg',
      'shpat_0123456789abcdef0123456789abcdef',
      'pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2d3h5ejAx',
      `dop_v1_${'a1'.repeat(32)}`,
      'ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz0123456789',
      'glsa_abcdefghijklmnopqrstuvwxyz012345_0a1b2c3d',
      'dapi0123456789abcdef0123456789abcdef',
      'ya29.a0AfH6SMBx1234567890abcdefghij',
      'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    ];
    for (const credential of credentials) {
      const redacted = redactSecrets(`sendgrid.${credential} (called at night)`);
      expect(redacted, credential).toContain('[REDACTED] (called at night)');
      expect(redacted, credential).not.toContain(credential.slice(-12));
    }
    for (const name of ['msg.send', 'dapi.read', 'shop.orders', 'pypi-search', 'ATATT', 'grafana.glsa']) expect(redactSecrets(name)).toBe(name);
  });

  it('keeps the closing parenthesis of a sentence after a redacted parameter', () => {
    expect(redactSecrets('(resource https://s3.example/b/o?X-Amz-Signature=abcdef0123456789 on behalf of alice)')).toBe(
      '(resource https://s3.example/b/o?X-Amz-Signature=[REDACTED] on behalf of alice)',
    );
    expect(redactSecrets('(resource https://s3.example/b/o?X-Amz-Signature=abcdef0123456789)')).toBe('(resource https://s3.example/b/o?X-Amz-Signature=[REDACTED])');
    expect(redactSecrets('password=(hunter2)')).toBe('password=[REDACTED])');
    // A ) inside the value is the value's: nothing after it is left.
    expect(redactSecrets('password=Hunter2)topsecret')).toBe('password=[REDACTED]');
    expect(redactSecrets('https://x/?access_token=abc)def123secret&y=1')).toBe('https://x/?access_token=[REDACTED]&y=1');
    expect(redactSecrets('DB_PASSWORD = pa)ss-w0rd-rest')).toBe('DB_PASSWORD = [REDACTED]');
  });

  it('removes a PEM private key, whole or cut before its end line, and keeps certificates', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq0HkyR2eZz\n-----END RSA PRIVATE KEY-----';
    const cert = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----';
    expect(redactSecrets(`{"resource":"${key}","cert":"${cert}"}`)).toBe(`{"resource":"${REDACTED}","cert":"${cert}"}`);
    expect(redactSecrets(`key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC`)).toBe(`key: ${REDACTED}`);
    expect(redactSecrets(`${'-----BEGIN '.repeat(3)}x`)).toBe(`${'-----BEGIN '.repeat(3)}x`);
    // A begin line without its end (a tool named so, a key cut at 64 characters) never takes a JSON quote with it.
    const stored = redactedJson({ t: ['-----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg'], n: 1 });
    expect(JSON.parse(stored)).toEqual({ t: [REDACTED, REDACTED], n: 1 });
  });

  it('keeps a dead letter with escapes but nothing hidden behind them as it came (a 64-bit number stays exact)', async () => {
    const line = String.raw`{"v":2,"id":"e1","trace":18446744073709551615,"note":"a	b"}`;
    const [letter] = await deadLettersFor([line]);
    expect(letter!.original).toBe(line);
  });

  it('keeps what is not secret: fingerprints, ids, ordinary keys', () => {
    const text = JSON.stringify({ id: 'e1', token: 'sha256:0123456789abcdef0123', tool: 'erp.read', password_policy_version: 3, note: 'Bearer of bad news' });
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('credentials in URLs', () => {
  const R = REDACTED;

  it.each([
    ['userinfo', 'https://alice:hunter2@git.example/repo.git?page=2', `https://${R}@git.example/repo.git?page=2`],
    ['a token-like user name alone', 'https://9f86d081884c7d659a2feaa0c55ad015@git.example/o/r', `https://${R}@git.example/o/r`],
    ['a key as the user name, the password empty', 'curl https://sk_test_4eC39HqLyjWDar:@api.example/v1', `curl https://${R}@api.example/v1`],
    ['userinfo behind JSON-escaped slashes', '{"dsn":"https:\\/\\/app:hunter2@db.example\\/x"}', `{"dsn":"https:\\/\\/${R}@db.example\\/x"}`],
    ['an @ in the password, up to the last @ before the host', 'https://alice:p@ss@git.example/x', `https://${R}@git.example/x`],
    ['token and private_token', 'https://gl.example/api?token=hunter2&private_token=hunter3&page=2', `https://gl.example/api?token=${R}&private_token=${R}&page=2`],
    ['an OAuth authorization code, the state kept', 'https://app.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz', `https://app.example/cb?code=${R}&state=xyz`],
    [
      'an S3 presigned URL',
      'https://b.s3.example/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261102&X-Amz-Security-Token=FQoGZX&X-Amz-Signature=9f86d081',
      `https://b.s3.example/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${R}&X-Amz-Security-Token=${R}&X-Amz-Signature=${R}`,
    ],
    ['a GCS signed URL', 'https://storage.example/b/o?X-Goog-Signature=deadbeef&X-Goog-Expires=600', `https://storage.example/b/o?X-Goog-Signature=${R}&X-Goog-Expires=600`],
    ['sig, signature, auth, key and session ids', '/f?sig=a1&signature=b2&auth=c3&key=d4&session_key=e5&sessionid=f6;jsessionid=g7', `/f?sig=${R}&signature=${R}&auth=${R}&key=${R}&session_key=${R}&sessionid=${R};jsessionid=${R}`],
    ['the credentials of a cookie header, separated by "; "', 'Cookie: theme=dark; session_id=hunter2; auth_token=hunter3', `Cookie: theme=dark; session_id=${R}; auth_token=${R}`],
    [
      'a credential first in a cookie header, also as a JSON field',
      'Set-Cookie: sid=hunter2; Path=/; HttpOnly {"cookie":"jwt=hunter3; lang=en"}',
      `Set-Cookie: sid=${R}; Path=/; HttpOnly {"cookie":"jwt=${R}; lang=en"}`,
    ],
    ['sid and jwt parameters', 'https://app.example/login?sid=hunter2&jwt=hunter3&side=1', `https://app.example/login?sid=${R}&jwt=${R}&side=1`],
    ['a fragment parameter', 'https://app.example/cb#token=hunter2&expires_in=60', `https://app.example/cb#token=${R}&expires_in=60`],
    [
      'parameters of a percent-encoded URL (%3D), each up to its encoded & (%26)',
      'https://login.example/?next=https%3A%2F%2Fapp.example%2Fcb%3Fcode%3DSplxlOBe%26access_token%3Dhunter2%26page%3D2&x=1',
      `https://login.example/?next=https%3A%2F%2Fapp.example%2Fcb%3Fcode%3D${R}%26access_token%3D${R}%26page%3D2&x=1`,
    ],
    ['the userinfo of a percent-encoded URL', 'next=https%3A%2F%2Falice%3Ahunter2%40app.example%2Fx', `next=https%3A%2F%2F${R}%40app.example%2Fx`],
  ])('redacts %s, keeping the parameter names and the host', (_name, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
    expect(redactSecrets(expected)).toBe(expected);
  });

  it('leaves ordinary text and parameters alone: no query context, or a name that only looks like one', () => {
    const texts = [
      'invoice-bot used tool=erp.read on system=hr-prod; exit code=1, key=value',
      'https://erp.example/export?tool=erp.read&system=hr-prod&tokens=3&keys=2&codes=1&monkey=1&page=2&sidebar=1&jwts=2',
      'retry failed; code=503, key=value; auth=basic; theme=dark',
      'owner alice@corp.example, see https://wiki.example/agents#owners',
      'changelog of postgres://reporter@warehouse and ssh://git@github.com:corp/agents.git',
      'mirrors https://site.org,admin@site.org; deps pkg://lodash@4.17.21, ssh://deploy-bot-7@build.example/x',
      'https:\\/\\/reporter@warehouse.example\\/db and http://host.example:8080/x@y',
      JSON.stringify({ token: 'sha256:0123456789abcdef0123', resource: 'https://erp.example/x?page=2' }),
    ];
    for (const text of texts) expect(redactSecrets(text)).toBe(text);
  });

  it('still judges a token field by its value: a fingerprint is kept, and a URL in it is no fingerprint', () => {
    const text = JSON.stringify({ token: 'sha256:0123456789abcdef0123', resource: 'https://u:hunter2@erp.example/x?token=hunter3' });
    expect(JSON.parse(redactSecrets(text))).toEqual({ token: 'sha256:0123456789abcdef0123', resource: `https://${R}@erp.example/x?token=${R}` });
    expect(JSON.parse(redactSecrets(JSON.stringify({ token: 'https://erp.example/x?token=hunter3' })))).toEqual({ token: R });
  });

  it('removes every credential of a random URL, also percent-encoded in another, and keeps the rest', () => {
    const credentialNames = ['token', 'private_token', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token', 'X-Goog-Signature', 'sig', 'code', 'auth', 'key', 'session_key', 'sessionid', 'access_token', 'sid', 'jwt'];
    const plainNames = ['tool', 'system', 'page', 'state', 'tokens', 'monkey', 'X-Amz-Algorithm', 'side'];
    // What tokens are made of; at most 12 characters, too short for a JWT or a key of a known format.
    const tokenOf = (alphabet: string) => fc.string({ unit: fc.constantFrom(...alphabet, '%2F', '%26', '%40'), minLength: 1, maxLength: 12 });
    const value = tokenOf('AZaz09-._~+/=');
    const userPart = tokenOf('AZaz09-._~+=');
    const param = (names: string[]) => fc.tuple(fc.constantFrom(...names), value);
    const url = fc.record({
      userinfo: fc.option(fc.tuple(userPart, fc.option(userPart)), { nil: undefined }),
      params: fc.uniqueArray(fc.oneof(param(credentialNames), param(plainNames)), { selector: ([name]) => name, minLength: 1, maxLength: 6 }),
      nested: fc.boolean(),
    });
    fc.assert(
      fc.property(url, ({ userinfo, params, nested }) => {
        const user = userinfo && `${userinfo[0]}${userinfo[1] === null ? '' : `:${userinfo[1]}`}@`;
        const inner = `https://${user ?? ''}app.example/p?${params.map(([name, v]) => `${name}=${v}`).join('&')}`;
        const text = nested ? `https://login.example/?next=${encodeURIComponent(inner)}&x=1` : inner;
        const redacted = redactSecrets(text);
        expect(JSON.parse(redactedJson({ resource: text }))).toEqual({ resource: redacted });
        const parsed = new URL(nested ? new URL(redacted).searchParams.get('next')! : redacted);
        expect(parsed.host).toBe('app.example');
        // A password makes the whole userinfo a credential; a user name alone is one only when token-like, which these never are.
        expect(decodeURIComponent(parsed.username)).toBe(userinfo === undefined ? '' : userinfo[1] === null ? decodeURIComponent(userinfo[0]) : R);
        expect(parsed.password).toBe('');
        for (const [name, v] of params) {
          expect(parsed.searchParams.get(name)).toBe(credentialNames.includes(name) ? R : decodeURIComponent(v.replace(/\+/g, ' ')));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('redactDeep', () => {
  it('redacts every string of a structure, keys included, copying only what changes', () => {
    const shared = ['erp-prod', 'mail-internal'];
    const value = { scope: shared, n: 3, nested: [{ session: JWT }, { ok: 'yes' }], [`Bearer ${BEARER_VALUE}`]: true };
    const redacted = redactDeep(value);
    expectNoSecret(JSON.stringify(redacted));
    expect(redacted.scope).toBe(shared);
    expect(redacted.nested[1]).toBe(value.nested[1]);
    expect(redacted.nested[0]).toEqual({ session: REDACTED });
    expect(value.nested[0]!.session).toBe(JWT);
    const clean = { a: ['x'], b: { c: 1 } };
    expect(redactDeep(clean)).toBe(clean);
  });
});

describe('redactedJson', () => {
  type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

  /**
   * What redaction should make of a JSON value: every string held by a secret-named key replaced, also
   * in an array it holds and in arrays nested in that one; a nested object's members are judged by
   * their own keys. Nothing else touched.
   */
  /**
   * The model: strings held by secret-named keys are redacted whole; when the JSON text has escapes
   * (which can hide a credential from the patterns), every other string is redacted as what it says.
   */
  function withSecretStringsRedacted(value: Json, secret = false, escaped = JSON.stringify(value).includes('\\')): Json {
    if (typeof value === 'string') return secret ? REDACTED : escaped ? redactSecrets(value) : value;
    if (Array.isArray(value)) return value.map((item) => withSecretStringsRedacted(item, secret, escaped));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, withSecretStringsRedacted(item, isSecretName(name), escaped)]));
  }

  it('keeps an object or array held by a secret-named key, and redacts the secret-named strings inside it', () => {
    const state = { credentials: { user: 'alice', password: 'hunter2-correct-horse' }, read_secret: { n: 3, hours: [1, 2] }, api_keys: [{ apiKey: 'AKIAEXAMPLESECRETKEY' }], password: 1e21 };
    const stored = redactedJson(state);
    expectNoSecret(stored);
    expect(JSON.parse(stored)).toEqual({ credentials: { user: 'alice', password: REDACTED }, read_secret: { n: 3, hours: [1, 2] }, api_keys: [{ apiKey: REDACTED }], password: 1e21 });
  });

  it('restores a system named by a URL with a user name as it was', () => {
    const state = { systems: { 'postgres://reporter@warehouse': { first: 1 }, 'ssh://git@github.com:corp/agents.git': { first: 2 } }, last: 'https://site.org,admin@site.org' };
    expect(JSON.parse(redactedJson(state))).toEqual(state);
  });

  it('redacts the strings of an array held by a secret-named key, numbers and JSON syntax kept', () => {
    expect(redactSecrets('{"type":"tool_use","api_keys":["hunter2-abcdef"]}')).toBe(`{"type":"tool_use","api_keys":["${REDACTED}"]}`);
    const state = { n: 'kept', api_keys: ['hunter2-correct-horse', 7, 'has "quotes", ] and [', null, 'AKIAEXAMPLESECRETKEY'], secrets: [] };
    const stored = redactedJson(state);
    expectNoSecret(stored);
    expect(JSON.parse(stored)).toEqual({ n: 'kept', api_keys: [REDACTED, 7, REDACTED, null, REDACTED], secrets: [] });
  });

  it('redacts the strings of a secret-named array after a nested object and in nested arrays', () => {
    const text = '{"api_keys":[{"id":1,"note":"kept"},"hunter2-correct-horse",["sk-pair-left","pair-right"]],"tool":"erp.read"}';
    expect(redactSecrets(text)).toBe(`{"api_keys":[{"id":1,"note":"kept"},"${REDACTED}",["${REDACTED}","${REDACTED}"]],"tool":"erp.read"}`);
    // An object in the array keeps its members but the arrays it holds under secret-named keys.
    const nested = '{"credentials":[{"user":"alice","secrets":["s3cr3t-value"]},"after-object"]}';
    expect(redactSecrets(nested)).toBe(`{"credentials":[{"user":"alice","secrets":["${REDACTED}"]},"${REDACTED}"]}`);
    // Cut short (a dead letter's text at its limit): what there is of the array is redacted.
    expect(redactSecrets('{"api_keys":[{"a":[1]},"hunter2-cut')).toBe(`{"api_keys":[{"a":[1]},"${REDACTED}"`);
  });

  it('always gives valid JSON of the same shape, with no string a secret-named key held', () => {
    // Pieces that JSON escapes or that look like JSON syntax inside strings.
    const piece = fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', '"password":', '{"secret":"x"}', 'é', '😀');
    const text = fc.array(fc.oneof(piece, fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 8 }).map((parts) => parts.join(''));
    const secretName = fc.constantFrom('password', 'client_secret', 'apiKey', 'x-api-key', 'credentials', 'secrets-vault', 'AUTHORIZATION', 'refresh_token', 'private-key');
    const plainName = fc.constantFrom('user', 'n', 'tool', 'system', 'items', 'pass');
    // `token` and `fingerprint` keys are the contract's fingerprint fields, redacted by their value (tested above).
    const key = fc.oneof(secretName, plainName, fc.string({ maxLength: 8 })).filter((name) => name !== '__proto__' && name !== 'token' && name !== 'fingerprint');
    const { object } = fc.letrec<{ value: Json; object: Json }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        tie('object'),
      ),
      object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    }));
    fc.assert(
      fc.property(object, (value) => {
        const original = JSON.parse(JSON.stringify(value)) as Json;
        expect(JSON.parse(redactedJson(value))).toEqual(withSecretStringsRedacted(original));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('redactedValuesJson', () => {
  it('redacts each stored value as the whole-text pass does, and a fingerprint field that is no fingerprint whole', () => {
    const grant = { fingerprint: 'sha256:0123456789abcdef0123', agentId: 'invoice-bot', eventId: `e-${JWT}`, issuedAt: 1, task: `Bearer ${BEARER_VALUE}`, grant: 'api_key=hunter2-correct-horse' };
    const stored = redactedValuesJson(grant);
    expectNoSecret(stored);
    expect(JSON.parse(stored)).toEqual(JSON.parse(redactedJson(grant)));
    expect(JSON.parse(stored).fingerprint).toBe(grant.fingerprint);
    const raw = { ...grant, fingerprint: 'opaque.session.secret' };
    expect(JSON.parse(redactedValuesJson(raw)).fingerprint).toBe(REDACTED);
    expect(JSON.parse(redactedJson(raw)).fingerprint).toBe(REDACTED);
  });
});

describe('alerts and stored state carry no credentials that an event quoted outside its token fields', () => {
  const github = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
  const noCredential = (text: string) => {
    expectNoSecret(text);
    expect(text).not.toContain(github);
  };

  it('redacts them in every alert (and in the key its id is computed from) and in the snapshots and token grants the Kafka job stores', async () => {
    const registry = await loadRegistry(DEMO_REGISTRY);
    const detectors = selectDetectors(await loadDetectors(), ['stable'], {});
    const engine = new Engine(detectors, { registry });
    const grants = new TokenCheckpoint(engine);
    const output = { alerts: [] as import('../../../src/alerts/alert.js').Alert[], dryRun: [] };
    // A token whose audience is a raw JWT (not registered: token-escalation keys its alert by it) and whose task is a credential.
    engine.process(tokenIssued({ agent: { id: 'invoice-bot', session: JWT }, token: { fingerprint: 'sha256:0123456789abcdef0123', audience: JWT, grant: 'client_credentials', task: BEARER_VALUE } }), output);
    // Out of scope, from an instance named by a credential, a resource URL carrying one, a principal and chain quoting more.
    engine.process(
      toolUse({
        agent: { id: 'invoice-bot', instance: github, session: JWT },
        system: 'hr-prod',
        resource: 'https://hr.example/export?access_token=hunter2-correct-horse',
        principal: `Bearer ${BEARER_VALUE}`,
        chain: ['AKIAEXAMPLESECRETKEY', 'invoice-bot'],
      }),
      output,
    );
    expect(output.alerts.map((alert) => alert.detector)).toEqual(expect.arrayContaining(['token-escalation', 'scope-violation']));
    for (const alert of output.alerts) {
      noCredential(JSON.stringify(alert));
      expect(alert.id).toBe(alertId(alert.detector, alert.agent.id, alert.key, Date.parse(alert.window.start)));
    }
    // What the Kafka job stores: the changelog's snapshot and grant records, the tokens topic's grant records.
    const taken = grants.take(0);
    expect(taken).toHaveLength(1);
    const changelog = new StateChangelog({} as never, {} as never, 'state', 'driftwatch', captureLogger());
    const records = changelog.encode(0, { snapshots: [snapshotAgent(engine, 'invoice-bot')!], grants: taken }, new Map()).flat();
    const feed = new TokenFeed({} as never, {} as never, 'tokens', 'group', () => {}, captureLogger());
    const stored = [...records, ...feed.encode(taken, [])].map((record) => String(record.value));
    expect(stored).toHaveLength(3);
    for (const value of stored) {
      noCredential(value);
      expect(() => JSON.parse(value)).not.toThrow();
    }
    expect(stored.join('\n')).toContain(REDACTED);
    // The live ledger keeps the task as issued: token-misuse compares it with the session of later calls.
    expect(engine.tokens.get('sha256:0123456789abcdef0123')!.task).toBe(BEARER_VALUE);
  });

  it('redacts what an event quotes value by value when it is decoded: the alert keeps the sentence after a header line\'s credential', async () => {
    const registry = await loadRegistry(DEMO_REGISTRY);
    const engine = new Engine(selectDetectors(await loadDetectors(), ['stable'], {}), { registry });
    const pipeline = new Pipeline(engine, { sinks: [], deadLetters: { write: async () => {}, close: async () => {} } });
    const line = JSON.stringify({
      v: 1,
      id: 'hdr-1',
      time: '2026-11-03T10:00:00Z',
      type: 'tool_use',
      agent: { id: 'invoice-bot' },
      principal: 'alice@corp.example',
      chain: ['alice@corp.example', 'Authorization: Token 9944b09199c62bcf9418ad846dd0e4bb', 'invoice-bot'],
      tool: 'http.get',
      system: 'wiki',
      action: 'read',
      resource: 'GET /page X-Api-Key: 9f2c7d1e4b8a6f3c0d5e',
      outcome: 'success',
    });
    const { alerts } = pipeline.detect([{ value: line, position: { file: 'events.jsonl', line: 1 } }]);
    const scope = alerts.find((alert) => alert.detector === 'scope-violation');
    expect(scope).toBeDefined();
    expect(scope!.summary).toContain('X-Api-Key: [REDACTED]');
    expect(scope!.summary).toContain('alice@corp.example');
    expect(scope!.summary).toContain('outside its scope');
    expect(JSON.stringify(scope)).not.toContain('9f2c7d1e4b8a6f3c0d5e');
    expect(scope!.chain).toEqual(['alice@corp.example', 'Authorization: [REDACTED]', 'invoice-bot']);
    expect(JSON.stringify(scope)).not.toContain('9944b09199c62bcf9418ad846dd0e4bb');
  });

  it('redacts a credential in a long tool, system or instance name before the name is shortened for the state', async () => {
    // Cut short, the credential would no longer be recognised: its first characters would be stored.
    const detectors = selectDetectors(await loadDetectors(), ['stable', 'incubating'], {});
    const engine = new Engine(detectors);
    const output = { alerts: [] as import('../../../src/alerts/alert.js').Alert[], dryRun: [] };
    const long = (prefix: string) => `${prefix}${'q'.repeat(24)}-${github}`;
    for (let minute = 0; minute < 30; minute++) {
      engine.process(toolUse({ time: at(minute), tool: long('crm.lookup?'), system: long('crm-'), agent: { id: 'lb-1', instance: long('pod-') }, bytes: 1000 }), output);
      engine.process(accessDenied({ time: at(minute), system: long('hr-'), agent: { id: 'lb-1' } }), output);
    }
    const changelog = new StateChangelog({} as never, {} as never, 'state', 'driftwatch', captureLogger());
    const stored = changelog
      .encode(0, { snapshots: [snapshotAgent(engine, 'lb-1')!], grants: [] }, new Map())
      .flat()
      .map((record) => String(record.value))
      .join('\n');
    expect(stored).toContain('crm.lookup?qqq');
    expect(stored).not.toContain('ghp_16C7');
    noCredential(stored);
    for (const alert of output.alerts) expect(JSON.stringify(alert)).not.toContain('ghp_16C7');
  });

  it('keeps a name that quotes a credential the same across a checkpoint: restored, the engine judges the next events as the running one does', async () => {
    // Names are redacted when decoded: the state holds what its checkpoint stores.
    const detectors = selectDetectors(await loadDetectors(), ['stable', 'incubating'], {});
    const line = (n: number) =>
      JSON.stringify({
        v: 1,
        id: `cr-${n}`,
        time: new Date(Date.parse('2026-11-02T00:00:00Z') + n * 600_000).toISOString(),
        type: 'tool_use',
        agent: { id: 'cr-bot', instance: 'pod-1?token=hunter2-correct-horse' },
        tool: 'crm.lookup?key=hunter2-correct-horse',
        system: 'postgres://reporter:hunter2-correct-horse@warehouse',
        action: 'read',
        bytes: 1000,
      });
    const alertIds = async (engine: Engine, lines: readonly string[]) => {
      const pipeline = new Pipeline(engine, { sinks: [], deadLetters: { write: async () => {}, close: async () => {} }, maxFutureSkewMs: 0 });
      const batch = await pipeline.processBatch(lines.map((value, i) => ({ value, position: { file: 'in.jsonl', line: i + 1 } })));
      return batch.alerts.map((alert) => alert.id);
    };
    const lines = Array.from({ length: 1_400 }, (_, n) => line(n));
    const running = new Engine(detectors);
    const uninterrupted = await alertIds(running, lines);
    const before = new Engine(detectors);
    const first = await alertIds(before, lines.slice(0, 1_200));
    const restored = new Engine(detectors);
    restoreAgent(restored, JSON.parse(redactedJson(snapshotAgent(before, 'cr-bot'))));
    expect([...first, ...(await alertIds(restored, lines.slice(1_200)))]).toEqual(uninterrupted);
    expect(snapshotAgent(restored, 'cr-bot')).toEqual(snapshotAgent(running, 'cr-bot'));
    expect(JSON.stringify(snapshotAgent(running, 'cr-bot'))).not.toContain('hunter2-correct-horse');
  });

  it('redacts them in the last error a detector threw (summary and metrics)', () => {
    const thrower = defineDetector({
      id: 'thrower',
      version: '1.0.0',
      description: 'throws',
      eventTypes: ['tool_use'],
      maturity: 'sandbox',
      techniques: [],
      severity: 'low',
      options: z.strictObject({}),
      createState: () => null,
      score: (event) => {
        throw new Error(`boom ${event.resource}`);
      },
    });
    const engine = new Engine([configureDetector(widen(thrower))]);
    engine.process(toolUse({ resource: JWT }), { alerts: [], dryRun: [] });
    expect(engine.stats.detectors.thrower!.lastError).toBe(`score: boom ${REDACTED}`);
  });
});

describe('dead letters carry no credentials', () => {
  it('redacts the original of a rejected event that carries a raw JWT, a bearer header or a secret key', async () => {
    const letters = await deadLettersFor([
      JSON.stringify(rawToolUse({ token: JWT })), // refused: a raw token
      JSON.stringify({ ...rawToolUse({ v: 2 }), headers: { authorization: `Bearer ${BEARER_VALUE}` } }),
      JSON.stringify({ ...rawToolUse({ action: 'steal' }), config: { password: 'hunter2-correct-horse', api_key: 'AKIAEXAMPLESECRETKEY' } }),
    ]);
    expect(letters).toHaveLength(3);
    expect(letters[0]!.field).toBe('token');
    for (const letter of letters) expectNoSecret(JSON.stringify(letter));
    expect(letters[0]!.original).toContain(REDACTED);
  });

  it('redacts a token or fingerprint field refused for not being a fingerprint, and known credential formats anywhere', async () => {
    const opaque = 'ya29.a0AfH6SMBxOPAQUEGOOGLETOKEN';
    const github = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    const letters = await deadLettersFor([
      JSON.stringify(rawToolUse({ token: opaque })),
      JSON.stringify({ ...rawToolUse({ token: github }), note: `pasted ${github} here` }),
      JSON.stringify({ ...rawToolUse({ v: 2 }), token: { fingerprint: 'Bearer abc.def' } }),
    ]);
    expect(letters).toHaveLength(3);
    for (const letter of letters) {
      const text = JSON.stringify(letter);
      for (const secret of [opaque, github, 'abc.def']) expect(text).not.toContain(secret);
      expect(letter.original).toContain(REDACTED);
    }
  });

  it('redacts a secret that the cut at the text limit falls into', () => {
    const prefix = `{"id":"e1","pad":"${'p'.repeat(DEAD_LETTER_TEXT_LIMIT - 40)}","password":"`;
    const line = `${prefix}hunter2-correct-horse"}`;
    expect(prefix.length).toBeLessThan(DEAD_LETTER_TEXT_LIMIT);
    expect(prefix.length + 'hunter2-correct-horse'.length).toBeGreaterThan(DEAD_LETTER_TEXT_LIMIT);
    const letter = deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'type: Invalid' }, { file: 'f', line: 1 }, line, Buffer.byteLength(line));
    expect(letter.truncated).toBe(true);
    expect(letter.original).not.toContain('hunter2');
  });

  it('redacts a raw token whose value the source cut off (an oversized line keeps only its start)', () => {
    const raw = `Zm9v.YmFy+${'Q'.repeat(40)}/RAWSECRETTAILxyz0123456789${'W'.repeat(100)}`;
    const prefix = `{"v":1,"id":"big","resource":"${'界'.repeat(50)}","token":"${raw}`; // no closing quote: cut here
    const letter = deadLetter({ ok: false, code: 'DW_EVENT_TOO_LARGE', reason: 'too large' }, { file: 'f', line: 1 }, prefix, 9_000);
    expect(letter.original).not.toContain('RAWSECRET');
    expect(letter.original.endsWith(`"token":"${REDACTED}`)).toBe(true);
    // A fingerprint cut short is still a fingerprint.
    expect(redactSecrets('{"token":"sha256:0123456789abcdef01')).toBe('{"token":"sha256:0123456789abcdef01');
  });

  it('redacts credentials that only JSON escapes hid: a quoted request body, \\u003d, an escaped JWT', async () => {
    const letters = await deadLettersFor([
      JSON.stringify({ ...rawToolUse({ v: 2, id: 'escaped-1' }), reason: JSON.stringify({ client_secret: 'hunter2-correct-horse' }) }),
      String.raw`{"v":2,"id":"e2","resource":"https://h/p?access_token=AKIAEXAMPLESECRETKEY","auth":"Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJpbnZvaWNlLWJvdCIsImF1ZCI6ImVycCJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"}`,
    ]);
    expect(letters).toHaveLength(2);
    for (const letter of letters) expectNoSecret(JSON.stringify(letter));
    expect(JSON.parse(letters[0]!.original).id).toBe('escaped-1');
  });

  it('redacts a credential that escapes hide in a line that is not JSON (\\u0070 for p)', async () => {
    const letters = await deadLettersFor([
      String.raw`{"id":"x","resource":"gh\u0070_16C7e42F292c6912E7710c838347Ae178B4a",}`,
      String.raw`{"id":"y","auth":"\u0065yJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJpbnZvaWNlLWJvdCIsImF1ZCI6ImVycCJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",`,
    ]);
    expect(letters).toHaveLength(2);
    for (const letter of letters) {
      expect(letter.original).toContain(REDACTED);
      expect(letter.original).not.toContain('16C7e42F292c6912E7710c838347Ae178B4a');
      expectNoSecret(JSON.stringify(letter));
    }
  });

  it('drops from the Kafka dead letter what the cut at its limit left of a credential', async () => {
    const text = `{"id":"e1","note":"${'n '.repeat(DEAD_LETTER_VALUE_LIMIT / 2 - 25)}ghp_16C7e42F292c6912E7710c838347Ae178B4a"}`;
    const sent = (await kafkaDeadLetter(text)).value as Buffer;
    expect(sent.toString('latin1')).not.toContain('ghp_16C7e42');
    expect(sent.toString('latin1').endsWith('n ')).toBe(true);
  });

  it('keeps the bytes of a Kafka dead letter with nothing to redact as they came, also invalid UTF-8 with a backslash', async () => {
    const sent: Message[] = [];
    const producer = { send: async ({ messages }: { messages: Message[] }) => void sent.push(...messages) } as unknown as Producer;
    const value = Buffer.concat([Buffer.from('{"note":"a\\tb é '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const message = { key: Buffer.from('invoice-bot'), value, offset: '7' } as KafkaMessage;
    const sink = new KafkaDeadLetterSink(producer, 'dead', () => message);
    await sink.write([deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not valid UTF-8' }, { topic: 'events', partition: 0, offset: '7' }, 'x', value.byteLength)]);
    expect((sent[0]!.value as Buffer).equals(value)).toBe(true);
    expect(sent[0]!.headers).not.toHaveProperty('dw-redacted');
  });

  it('redacts a credential in the key of a Kafka dead letter', async () => {
    const sent: Message[] = [];
    const producer = { send: async ({ messages }: { messages: Message[] }) => void sent.push(...messages) } as unknown as Producer;
    const message = { key: Buffer.from(`agent-${BEARER_VALUE}`), value: Buffer.from('not json'), offset: '7' } as KafkaMessage;
    const sink = new KafkaDeadLetterSink(producer, 'dead', () => message);
    await sink.write([deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not JSON' }, { topic: 'events', partition: 0, offset: '7' }, 'not json', 8)]);
    expect(String(sent[0]!.key)).not.toContain(BEARER_VALUE);
  });

  it('drops the last word of a line the source cut, whatever it was the start of', () => {
    const prefix = `{"v":1,"id":"big","note":"see ghp_16C7e42F292c6912E77`; // a known format, cut before its pattern matches
    const letter = deadLetter({ ok: false, code: 'DW_EVENT_TOO_LARGE', reason: 'too large' }, { file: 'f', line: 1 }, prefix, 9_000);
    expect(letter.original).toBe('{"v":1,"id":"big","note":"see ');
    expect(letter.truncated).toBe(true);
  });

  it('stores state with the credentials its strings quote in escaped JSON redacted', () => {
    const stored = redactedJson({ tools: [JSON.stringify({ password: 'hunter2-correct-horse' })], url: 'https://h/?access_token\u003dAKIAEXAMPLESECRETKEY' });
    expectNoSecret(stored);
    // Without escapes, one pass and the same text as before.
    expect(redactedJson({ tools: ['crm.lookup'] })).toBe('{"tools":["crm.lookup"]}');
  });

  it('redacts JSON fields named as tokens: auth_token, session-token, x-auth-token, bearer_token', () => {
    for (const name of ['auth_token', 'session-token', 'x-auth-token', 'bearer_token', 'X-Auth-Token']) {
      expect(redactSecrets(`{"${name}":"9f2kLq81ZxPz0mN4vB7c","n":1}`), name).toBe(`{"${name}":"${REDACTED}","n":1}`);
    }
    // Names that only contain the word are left: the contract's token fields are judged by value, `tokens_topic` is a topic.
    expect(redactSecrets('{"tokens_topic":"driftwatch-tokens","type":"token_issued"}')).toBe('{"tokens_topic":"driftwatch-tokens","type":"token_issued"}');
  });

  it('keeps a bearer value out of a line that is not JSON', async () => {
    const letters = await deadLettersFor([`{"id":"e1","authorization": Bearer ${BEARER_VALUE}}`]);
    expect(letters[0]!.reason).toMatch(/^not JSON/);
    expect(letters[0]!.reason).not.toContain(BEARER_VALUE.slice(0, 6));
    expectNoSecret(letters[0]!.original);
  });

  it('keeps an unquoted secret value of a line that is not JSON out of the reason and the original', async () => {
    // JSON.parse messages quote the ten characters around the error: exactly where the unquoted value sits.
    const letters = await deadLettersFor(['{"id":"e1","password": hunter2-correct-horse}']);
    expect(letters[0]!.code).toBe('DW_EVENT_INVALID');
    expect(letters[0]!.reason).toMatch(/^not JSON/);
    expect(letters[0]!.reason).not.toContain('hunter2');
    expect(letters[0]!.original).not.toContain('hunter2');
  });
});

/** The message the Kafka dead-letter sink sends for `text`, read from the event topic. */
async function kafkaDeadLetter(text: string): Promise<Message> {
  const sent: Message[] = [];
  const producer = { send: async ({ messages }: { messages: Message[] }) => void sent.push(...messages) } as unknown as Producer;
  const message = { key: Buffer.from('invoice-bot'), value: Buffer.from(text), offset: '7' } as KafkaMessage;
  const sink = new KafkaDeadLetterSink(producer, 'dead', (partition, offset) => (partition === 0 && offset === '7' ? message : undefined));
  const letter = deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not JSON' }, { topic: 'events', partition: 0, offset: '7' }, text, text.length);
  await sink.write([letter]);
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

describe('Kafka dead letters', () => {
  it('stay within the value limit when redaction makes the value longer', async () => {
    const text = `{${'"password":"",'.repeat(Math.floor(DEAD_LETTER_VALUE_LIMIT / 20))}"id":"e1"}`;
    expect(text.length).toBeLessThan(DEAD_LETTER_VALUE_LIMIT);
    const sent = await kafkaDeadLetter(text);
    expect((sent.value as Buffer).byteLength).toBe(DEAD_LETTER_VALUE_LIMIT);
    expect(sent.headers).toMatchObject({ 'dw-redacted': 'true', 'dw-truncated': 'true', 'dw-original-bytes': String(text.length) });
  });

  it('stay within the value limit, in bytes, when a value with escapes and multi-byte characters grows by redaction', async () => {
    const pairs = '"password":"",'.repeat(20_000);
    const text = `{"note":"\\n${'é'.repeat((DEAD_LETTER_VALUE_LIMIT - pairs.length - 100) / 2)}",${pairs}"id":"e1"}`;
    expect(Buffer.byteLength(text)).toBeLessThan(DEAD_LETTER_VALUE_LIMIT);
    const sent = await kafkaDeadLetter(text);
    expect((sent.value as Buffer).byteLength).toBeLessThanOrEqual(DEAD_LETTER_VALUE_LIMIT);
    expect(sent.headers).toMatchObject({ 'dw-redacted': 'true', 'dw-truncated': 'true' });
  });

  it('keep the bytes of a value that is not UTF-8, with a backslash and a credential, within the limit', async () => {
    // Read as UTF-8, each of the 600 KB of 0xff would have become three bytes (U+FFFD): a record the broker refuses, for ever.
    const value = Buffer.concat([Buffer.from(`Authorization: Bearer ${BEARER_VALUE} \\ `), Buffer.alloc(600 * 1024, 0xff)]);
    const sent: Message[] = [];
    const producer = { send: async ({ messages }: { messages: Message[] }) => void sent.push(...messages) } as unknown as Producer;
    const message = { key: Buffer.from('invoice-bot'), value, offset: '7' } as KafkaMessage;
    const sink = new KafkaDeadLetterSink(producer, 'dead', () => message);
    const letter = deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not valid UTF-8' }, { topic: 'events', partition: 0, offset: '7' }, value.toString('utf8'), value.byteLength);
    await sink.write([letter]);
    const kept = sent[0]!.value as Buffer;
    expect(kept.byteLength).toBeLessThan(value.byteLength);
    expect(kept.subarray(-600 * 1024)).toEqual(Buffer.alloc(600 * 1024, 0xff));
    expect(kept.toString('latin1')).not.toContain(BEARER_VALUE);
    expect(sent[0]!.headers).toMatchObject({ 'dw-redacted': 'true' });
  });

  it('keep the message key within its bound: a huge key is cut, and says so', async () => {
    const key = Buffer.from(`agent-${'k'.repeat(2 * 1024 * 1024)}`);
    const sent: Message[] = [];
    const producer = { send: async ({ messages }: { messages: Message[] }) => void sent.push(...messages) } as unknown as Producer;
    const message = { key, value: Buffer.from('not json'), offset: '7' } as KafkaMessage;
    const sink = new KafkaDeadLetterSink(producer, 'dead', () => message);
    await sink.write([deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not JSON' }, { topic: 'events', partition: 0, offset: '7' }, 'not json', 8)]);
    expect(Buffer.byteLength(sent[0]!.key as Buffer)).toBeLessThanOrEqual(DEAD_LETTER_KEY_LIMIT);
    expect(sent[0]!.headers).toMatchObject({ 'dw-key-truncated': 'true' });
    expect(sent[0]!.value).toEqual(Buffer.from('not json'));
  });

  it('keeps a value with nothing to redact as it is, cut at the limit, less what the cut left of its last word', async () => {
    const text = `{"id":"e1","note":"${'n'.repeat(DEAD_LETTER_VALUE_LIMIT)}"}`;
    const sent = await kafkaDeadLetter(text);
    // A run of credential characters loses at most its last 4,096.
    expect((sent.value as Buffer).toString('latin1')).toBe(text.slice(0, DEAD_LETTER_VALUE_LIMIT - 4096));
    expect(sent.headers).toMatchObject({ 'dw-truncated': 'true', 'dw-original-bytes': String(text.length) });
    expect(sent.headers).not.toHaveProperty('dw-redacted');
  });
});

describe('redaction time is linear in the text, so one malformed line cannot stall the stream', () => {
  // Each of these took 1-5 s at 48,000 characters and grew with the square of the length (a
  // minute at 255,000): the JWT, secret-parameter and secret-key patterns retried a long run of
  // name characters from each of its positions. A line of the largest accepted size follows.
  const credentials = `{"password":"hunter2-correct-horse","session":"${JWT}","auth":"Bearer ${BEARER_VALUE}",`;
  const line = (body: string, unit: string, end = '') => {
    const start = credentials + body;
    return start + unit.repeat(Math.ceil((DEFAULT_MAX_EVENT_BYTES - start.length - end.length) / unit.length)) + end;
  };
  const adversarial: Array<[string, string]> = [
    ['a run of eyJ', line('"v":1,"id":"', 'eyJ')],
    ['a run of a- ending in secret', line('"note":"', 'a-', 'secret')],
    ['a quote and a run of secret', line('"note":', 'secret').replace(credentials + '"note":', `${credentials}"note":"`)],
    ['a run of secret', line('"note":"', 'secret')],
    ['a run of sk-', line('"note":"', 'sk-')],
    ['a run of PEM begin lines', line('"note":"', '-----BEGIN ')],
    ['a secret name and a run of spaces with no sign', line('"note":"password', ' ')],
    ['a secret assigned an unterminated quote', line('"note":"password = \'', 'x ')],
    ['a run of private key begin lines without an end', line('"note":"', '-----BEGIN X PRIVATE KEY-----')],
    ['a run of secret-named keys opening objects', line('"note":', '{"secret":')],
    ['a run of secret-named keys opening arrays', line('"note":', '"secret":[')],
    ['a secret-named array that never closes', line('"api_keys":[', '"k\\",1,')],
    ['a query parameter name that never ends', line('"note":"https://erp.example/?', 'a-token-sig-')],
    ['a run of ?token without a value', line('"note":"', '?token')],
    ['a run of "; token" without a value', line('"note":"', '; token')],
    ['a run of cookie headers without a value', line('"note":"', 'Cookie: a-sid')],
    ['a run of ://', line('"note":"', '://a')],
    ['a userinfo that never ends', line('"note":"https://', 'a')],
    ['a password that never ends', line('"note":"https://u:', 'a@')],
    ['a token-like user name that never ends', line('"note":"https://', 'a1')],
    ['a run of JSON-escaped :\\/\\/', line('"note":"', ':\\/\\/a')],
    ['a run of secret-named header names without a space after the colon', line('"note":"', 'x-api-key:')],
    ['a secret-named header whose value never ends', line('"note":"Authorization: ', 'Token ')],
    ['an encoded userinfo that never ends', line('"note":"%3A%2F%2F', 'a%3A')],
    ['an encoded password that never ends', line('"note":"%3A%2F%2Fu%3A', 'a%40')],
    ['a run of encoded parameters without a value', line('"note":"', '%26token%3')],
  ];

  it.each(adversarial)('redacts %s of 1 MiB in linear time and leaves no credential', (_name, text) => {
    expect(text.length).toBeGreaterThanOrEqual(DEFAULT_MAX_EVENT_BYTES);
    const redacted = redactSecrets(text);
    expectNoSecret(redacted);
    expect(redacted).toContain(`"password":"${REDACTED}"`);
  }, 10_000);

  it.each(adversarial)('makes the dead letter of %s at the size limit quickly, without credentials', (_name, text) => {
    const letter = deadLetter({ ok: false, code: 'DW_EVENT_INVALID', reason: 'not JSON: Unterminated string' }, { file: 'in.jsonl', line: 1 }, text, Buffer.byteLength(text));
    expect(letter.original_bytes).toBe(text.length);
    expect(letter.original.length).toBeLessThanOrEqual(DEAD_LETTER_TEXT_LIMIT);
    expect(letter.original).toContain(`"password":"${REDACTED}"`);
    expectNoSecret(JSON.stringify(letter));
  }, 10_000);

  it.each(adversarial)('makes the Kafka dead letter of %s quickly, without credentials', async (_name, text) => {
    const sent = await kafkaDeadLetter(text);
    const value = (sent.value as Buffer).toString('latin1');
    expect(sent.headers).toMatchObject({ 'dw-redacted': 'true', 'dw-truncated': 'true', 'dw-original-bytes': String(text.length) });
    expect(value.length).toBeLessThanOrEqual(DEAD_LETTER_VALUE_LIMIT);
    expect(value).toContain(`"password":"${REDACTED}"`);
    expectNoSecret(value);
  }, 10_000);
});

describe('logger output carries no credentials', () => {
  function capture(minimum?: 'debug' | 'info' | 'warn' | 'error') {
    const lines: string[] = [];
    return { lines, logger: stderrLogger(minimum, (line) => lines.push(line), () => Date.parse('2026-11-24T23:59:58.125Z')) };
  }

  it('redacts JWTs and bearer values in the message and in field values', () => {
    const { lines, logger } = capture();
    logger.log('error', `sink refused: Authorization: Bearer ${BEARER_VALUE}`, { response: `{"error":"invalid_token","token":"${JWT}"}`, header: `Bearer ${BEARER_VALUE}` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^2026-11-24T23:59:58\.125Z driftwatch error sink refused/);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expectNoSecret(lines[0]!);
  });

  it('redacts secret-looking keys inside structured field values', () => {
    const { lines, logger } = capture();
    logger.log('warn', 'config loaded', { sink: { type: 'splunk-hec', token_ttl: 5, password: 'hunter2-correct-horse', api_key: 'AKIAEXAMPLESECRETKEY' } });
    expectNoSecret(lines[0]!);
    expect(lines[0]).toContain('token_ttl');
  });

  it('redacts fields whose own name is secret-looking', () => {
    const { lines, logger } = capture();
    logger.log('info', 'connecting', { broker: 'kafka:9093', password: 'hunter2-correct-horse', api_key: 'AKIAEXAMPLESECRETKEY' });
    expect(lines[0]).toContain('broker="kafka:9093"');
    expectNoSecret(lines[0]!);
  });

  it('drops lines below the minimum level', () => {
    const { lines, logger } = capture('warn');
    logger.log('debug', 'd');
    logger.log('info', 'i');
    logger.log('warn', 'w');
    logger.log('error', 'e', { n: 1, nothing: undefined });
    expect(lines).toEqual(['2026-11-24T23:59:58.125Z driftwatch warn w\n', '2026-11-24T23:59:58.125Z driftwatch error e n=1 nothing=null\n']);
  });
});
