import { describe, expect, it } from 'vitest';
import { canonicalName, NAME_MEMO_CAPACITY, redactedText, TEXT_MEMO_CAPACITY } from '../../../src/events/names.js';
import { redactSecrets } from '../../../src/redaction.js';

/** A string with the same text as `s` but another object (what JSON.parse hands out per event). */
const fresh = (s: string): string => (JSON.parse(JSON.stringify(s)) as string);

describe('canonicalName', () => {
  it('redacts the credentials a name quotes', () => {
    const raw = 'postgres://reporter:Hunter2secret@warehouse';
    expect(canonicalName(raw)).toBe(redactSecrets(raw));
    expect(canonicalName(raw)).not.toContain('Hunter2secret');
    expect(canonicalName('crm.lookup?api_key=abcdef0123456789abcdef')).not.toContain('abcdef0123456789abcdef');
  });

  it('keeps a plain name as it is', () => {
    expect(canonicalName('erp.read')).toBe('erp.read');
  });

  it('gives the same result after the memo started over: a stream of invented names changes nothing', () => {
    const raw = 'https://svc:p4ssw0rd-long-enough@api.example';
    const first = canonicalName(fresh(raw));
    for (let i = 0; i <= NAME_MEMO_CAPACITY; i++) canonicalName(`invented-${i}`);
    expect(canonicalName(fresh(raw))).toBe(first);
    expect(first).toBe(redactSecrets(raw));
  });
});

describe('redactedText', () => {
  it('redacts what could eat a quoting sentence, keeps plain text as it is, and gives the same after the memo started over', () => {
    expect(redactedText('GET /page X-Api-Key: 9f2c7d1e4b8a6f3c0d5e')).toBe('GET /page X-Api-Key: [REDACTED]');
    expect(redactedText('https://svc:p4ssw0rd-long-enough@api.example/x')).toBe('https://[REDACTED]@api.example/x');
    expect(redactedText('alice@corp.example')).toBe('alice@corp.example');
    const raw = 'session=abc; token=0123456789abcdef0123';
    const first = redactedText(fresh(raw));
    for (let i = 0; i <= TEXT_MEMO_CAPACITY; i++) redactedText(`records/${i}`);
    expect(redactedText(fresh(raw))).toBe(first);
    expect(first).toBe(redactSecrets(raw));
  });
});
