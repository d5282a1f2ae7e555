import { describe, expect, it } from 'vitest';
import { canonicalName, NAME_MEMO_CAPACITY } from '../../../src/events/names.js';
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
