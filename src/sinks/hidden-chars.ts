/**
 * Characters that reorder or hide text where a person reads it: bidirectional marks, overrides and
 * isolates, zero-width characters, the byte-order mark. A character-class body, for the sinks'
 * escaping (an agent id with a zero-width space reads as the registered one).
 */
export const TEXT_HIDING_CHARS = '\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff';
