import { describe, expect, it } from 'vitest';
import { createRecentEvents, eventKey, hasRecentEvent, rememberEvent, RECENT_EVENTS_CAPACITY } from '../../../src/engine/recent-events.js';
import { accessDenied, at, tokenIssued, toolUse } from '../../fixtures/core/events.js';

const seeds = { a: 0x12345678, b: 0x9abcdef0 };

describe('event keys', () => {
  it('differ for ids a byte-per-unit encoding would confuse, and for any field detectors judge', () => {
    const base = { id: 'ev-中', time: at(5), system: 'erp-prod', bytes: 1 };
    const events = [
      toolUse(base),
      toolUse({ ...base, id: 'ev--N' }),
      toolUse({ ...base, id: 'A\u0001' }),
      toolUse({ ...base, id: 'Ł' }),
      toolUse({ ...base, bytes: 2 }),
      toolUse({ ...base, bytes: 1.5 }),
      toolUse({ ...base, bytes: 2 ** 40 + 1 }),
      toolUse({ ...base, time: at(6) }),
      toolUse({ ...base, system: 'erp-pro', resource: 'd' }),
      toolUse({ ...base, chain: ['alice', 'planner', 'invoice-bot'] }),
      toolUse({ ...base, chain: ['alice', 'plannerinvoice-bot'] }),
      toolUse({ ...base, approval: 'CHG-1' }),
      toolUse({ ...base, principal: 'alice@corp.example' }),
      tokenIssued({ id: 'ev-中', time: at(5) }),
      accessDenied({ id: 'ev-中', time: at(5), system: 'erp-prod' }),
    ];
    const keys = events.map((event) => eventKey(event, seeds));
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(Number.isSafeInteger(key) && key >= 0).toBe(true);
  });

  it('are the same for the same event and seeds, and depend on the seeds', () => {
    const event = toolUse({ id: 'e1', time: at(5) });
    expect(eventKey(structuredClone(event), seeds)).toBe(eventKey(event, seeds));
    expect(eventKey(event, { a: 1, b: 2 })).not.toBe(eventKey(event, seeds));
  });
});

describe('the ring of recent events', () => {
  it('keeps the keys of the latest event times: an older event does not push a later one out', () => {
    const recent = createRecentEvents();
    for (let i = 0; i < RECENT_EVENTS_CAPACITY; i++) rememberEvent(recent, 100 + i, 1000 + i);
    rememberEvent(recent, 1, 10);
    expect(hasRecentEvent(recent, 1)).toBe(false);
    expect(hasRecentEvent(recent, 100)).toBe(true);
    rememberEvent(recent, 2, 2000);
    expect(hasRecentEvent(recent, 2)).toBe(true);
    expect(hasRecentEvent(recent, 100)).toBe(false);
    expect(hasRecentEvent(recent, 101)).toBe(true);
    expect(recent.keys).toHaveLength(RECENT_EVENTS_CAPACITY);
  });
});
