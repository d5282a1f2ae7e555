/**
 * What the Kafka job counts for its operators (docs/telemetry.md), kept as plain numbers the job
 * updates anyway and read by the metrics callback: nothing is done per event.
 */
export interface KafkaJobStats {
  /** Per event topic and partition this instance owns: messages after the last one processed, up to the high watermark of its last batch. */
  readonly lag: Map<string, { topic: string; partition: number; messages: number }>;
  /** Partition numbers assigned to this instance. */
  assigned: number;
  /** Whether the event topics are paused because the queue stopped draining (sinks or the state topic saturated): the job's own flag. */
  paused: boolean;
  /** Assignments received from the group coordinator (every rebalance this instance took part in). */
  rebalances: number;
  /** Checkpoints written and committed (one per partition and interval with something new). */
  checkpoints: number;
  /** Agent snapshots those checkpoints wrote to the changelog. */
  snapshots: number;
  /** Agents whose state was restored from the changelog on taking over partitions. */
  restored: number;
  /** Partitions sent back to their last checkpoint after a failed delivery, checkpoint or commit. */
  rollbacks: number;
}

export function createKafkaJobStats(): KafkaJobStats {
  return { lag: new Map(), assigned: 0, paused: false, rebalances: 0, checkpoints: 0, snapshots: 0, restored: 0, rollbacks: 0 };
}

/** The key of a topic's partition in `KafkaJobStats.lag`. */
export const lagKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
