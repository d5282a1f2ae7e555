/** What detector plugins import. */
export { z } from 'zod';
export * from './detector.js';
export * from './techniques.js';
export * from './window-spike.js';
export * from './first-seen.js';
export type { AgentEvent, ToolUseEvent, TokenIssuedEvent, AccessDeniedEvent, EventType, Action } from '../events/contract.js';
export type { RegisteredAgent } from '../registry/agent.js';
export { formatDuration } from '../registry/duration.js';
export type { AgentBaseline, InstanceHistory, CallSizes, CallShift, BaselineMetric, SpikeParams, Spike, TypicalWindow } from '../engine/baseline.js';
export {
  BASELINE_WINDOW_MS,
  baselineAge,
  baselineWindowStart,
  baselineWindowTotal,
  baselineWindowLargest,
  baselineObserved,
  baselineHourPeakLevel,
  baselinePeakLevel,
  baselineNewSystemsOn,
  baselineWindows,
  baselineTypical,
  baselineSpikeGate,
  baselineSpike,
  baselineCallShift,
  baselineCallZ,
  baselineCallUsual,
  baselineHasSeenSystem,
  baselineInstanceNewSince,
  baselineHasSeenTool,
  baselineSetFill,
  baselineActivityNearHour,
  baselineActiveHoursOfDay,
  baselineActiveHourList,
  hourOfDay,
  levelOf,
  levelValue,
  formatKb,
  formatCount,
  formatClock,
} from '../engine/baseline.js';
/** Online statistics for detector-specific state (plain data, bounded). */
export * from '../stats/index.js';
