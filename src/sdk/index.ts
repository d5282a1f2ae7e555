/** What detector plugins import. */
export { z } from 'zod';
export * from './detector.js';
export * from './techniques.js';
export type { AgentEvent, ToolUseEvent, TokenIssuedEvent, AccessDeniedEvent, EventType, Action } from '../events/contract.js';
export type { RegisteredAgent } from '../registry/agent.js';
export { formatDuration } from '../registry/duration.js';
