import { z } from 'zod';
import { SEVERITIES, MATURITIES } from '../sdk/detector.js';
import { FACILITIES, FORMAT_NAMES, type FacilityName } from '../sinks/formats/index.js';
import { EXCEPTION_FIELDS } from '../engine/exceptions.js';
import { suppressForProblem } from '../engine/configured-detector.js';
import { DEFAULT_MAX_UNREGISTERED_AGENTS } from '../engine/engine.js';
import { DURATION_TEXT, parseDuration } from '../registry/duration.js';
import { globPattern } from '../registry/glob.js';
import { kafkaConnectionSchema, kafkaSourceSchema, MAX_TIMER_MS } from './kafka.js';

/** The `driftwatch run` configuration file (YAML). docs/config.md is generated from this schema. */

/** A port, as a number or a numeric string (what `${ENV}` gives), from `lowest` to 65535. */
const portNumber = (lowest: number) =>
  z
    .union([z.number(), z.string().regex(/^\d+$/, 'must be a port number')])
    .transform(Number)
    .pipe(z.number().int().min(lowest).max(65535));
/** A port to listen on; 0 takes any free port. */
const listenPort = portNumber(0);

const duration = z
  .string()
  .regex(DURATION_TEXT, { message: 'must be a duration like 30s, 15m, 1h, 1d', abort: true });

/** A duration that a timer waits: at most 24 days. */
const timer = duration.refine((text) => (parseDuration(text) ?? 0) <= MAX_TIMER_MS, { message: 'must be at most 24d (a timer cannot wait longer)', abort: true });

const SIZE_PATTERN = /^(\d+)\s*(B|KiB|MiB|GiB)?$/;
const UNIT_BYTES = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

/** Bytes, as a number or a string like `512KiB`, `1MiB`, or a plain number (as `${ENV}` gives). */
const size = z
  .union([z.number().int().positive(), z.string().regex(SIZE_PATTERN, 'must be a size like 512KiB or 1MiB')])
  .transform((value) => {
    if (typeof value === 'number') return value;
    const [, amount, unit] = SIZE_PATTERN.exec(value)!;
    return Number(amount) * UNIT_BYTES[(unit ?? 'B') as keyof typeof UNIT_BYTES];
  });

const globOrList = z.union([globPattern, z.array(globPattern).min(1)]);

/** What each field of an exception matches: a glob or a list of globs (any of them). */
const EXCEPTION_FIELD_MEANING: Record<(typeof EXCEPTION_FIELDS)[number], string> = {
  agent: 'glob(s) of the event\'s agent.id',
  principal: 'glob(s) of the event\'s principal (events without one do not match)',
  tool: 'glob(s) of the event\'s tool (events without one do not match)',
  system: 'glob(s) of the event\'s system (events without one do not match)',
  action: 'glob(s) of the event\'s action (events without one do not match)',
};

const exceptionCondition = z
  .strictObject(Object.fromEntries(EXCEPTION_FIELDS.map((field) => [field, globOrList.optional().describe(EXCEPTION_FIELD_MEANING[field])])) as Record<
    (typeof EXCEPTION_FIELDS)[number],
    z.ZodOptional<typeof globOrList>
  >)
  .refine((condition) => Object.values(condition).some((value) => value !== undefined), 'an exception needs at least one condition');

export const detectorSettingsSchema = z.strictObject({
  enabled: z.boolean().optional().describe('true: runs whatever its maturity; false: does not run; absent: runs when its maturity is in detectors.maturity'),
  mode: z.enum(['alert', 'dry-run']).default('alert').describe('dry-run: findings are counted and shown in the summary, never sent to the sinks'),
  severity: z.enum(SEVERITIES).optional().describe('overrides the severity of every finding (default: the severity the detector gives each finding, else its default severity)'),
  suppress_for: z
    .string()
    .superRefine((value, ctx) => {
      const problem = suppressForProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('identical findings for one agent in one block of this much event time (blocks aligned to multiples of it) stay one alert (a finding that gives its own window uses that window); default: the detector\'s own (`driftwatch detectors list`), else 1h'),
  exceptions: z
    .array(exceptionCondition)
    .default([])
    .describe('conditions under which the detector raises nothing: an event that matches any one condition (every field the condition gives) is neither scored nor learned by it (the shared baseline still learns it); the summary counts them per detector as excepted'),
  options: z.record(z.string(), z.unknown()).default({}).describe('the detector\'s own options (see `driftwatch detectors list`)'),
});

const fileSource = z.strictObject({
  type: z.literal('file'),
  path: z.string().min(1).describe('JSONL file of events; "-" reads standard input'),
});

const stdinSource = z.strictObject({ type: z.literal('stdin') });

const consoleSink = z.strictObject({
  type: z.literal('console'),
  name: z.string().min(1).default('console'),
  color: z.enum(['auto', 'always', 'never']).default('auto'),
});

const sinkFormat = z.enum(FORMAT_NAMES).describe('rendering of each alert: json (canonical), ocsf, ecs or cef');

const deliverySchema = z
  .strictObject({
    queue_capacity: z.number().int().positive().default(10_000).describe('alerts admitted and not yet acknowledged; when full, the pipeline waits (backpressure)'),
    max_batch: z.number().int().positive().optional().describe('most alerts per request or write (default: 100 for HTTP sinks, 500 otherwise)'),
    linger: timer.default('0ms').describe('how long a partial batch waits for more alerts'),
    retry: z
      .strictObject({
        initial: timer.default('200ms').describe('upper bound of the first retry delay (full jitter)'),
        max: timer.default('30s').describe('upper bound of any retry delay'),
        max_attempts: z.number().int().positive().optional().describe('give up (to the rejected-alerts file) after this many attempts; default: never, alerts wait'),
      })
      .prefault({}),
    breaker: z
      .strictObject({
        failures: z.number().int().positive().default(5).describe('consecutive failures that open the circuit breaker'),
        cooldown: timer.default('30s').describe('time open before one trial attempt'),
      })
      .prefault({}),
    rejected_path: z.string().min(1).default('failed-alerts.jsonl').describe('JSONL file of alerts the receiver refused for good'),
    drain_timeout: timer.default('5s').describe('how long closing waits for queued alerts'),
  })
  .prefault({})
  .describe('acknowledged delivery: bounded queue, batching, retries, circuit breaker');

const tlsSchema = z
  .strictObject({
    ca: z.string().min(1).optional().describe('PEM file of the CA that signs the receiver\'s certificate (default: system CAs)'),
    cert: z.string().min(1).optional().describe('PEM client certificate, for mutual TLS'),
    key: z.string().min(1).optional().describe('PEM key of the client certificate'),
    servername: z.string().min(1).optional().describe('name checked in the receiver\'s certificate and sent as SNI (default: host)'),
    verify: z.boolean().default(true).describe('verify the receiver\'s certificate chain and name; false only for tests'),
  })
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), 'cert and key go together');

const fileSink = z.strictObject({
  type: z.literal('file'),
  name: z.string().min(1).default('file'),
  path: z.string().min(1),
  format: sinkFormat.default('json'),
  max_bytes: size.optional().describe('rotate before the file would grow past this size'),
  max_files: z.number().int().min(1).default(5).describe('rotated files kept: path.1 (newest) … path.N'),
  delivery: deliverySchema,
});

const syslogSink = z
  .strictObject({
    type: z.literal('syslog'),
    name: z.string().min(1).default('syslog'),
    transport: z.enum(['tcp', 'tls', 'udp']).default('tls').describe('tcp and tls use RFC 6587 octet-counting framing; udp one datagram per alert'),
    host: z.string().min(1),
    port: portNumber(1).optional().describe('default: 6514 for tls, 514 for tcp and udp'),
    format: sinkFormat.optional().describe('rendering of the alert in the syslog MSG; default json, cef for udp (a JSON alert is 2–6 KB: a datagram would cut most of them)'),
    facility: z.enum(Object.keys(FACILITIES) as [FacilityName, ...FacilityName[]]).default('local4'),
    app_name: z.string().min(1).default('driftwatch'),
    hostname: z.string().min(1).optional().describe('syslog HOSTNAME (default: this machine\'s host name)'),
    enterprise_id: z.number().int().positive().optional().describe('private enterprise number of the SD-ID driftwatch@<n> (default 32473, reserved for documentation)'),
    bom: z.boolean().default(true).describe('U+FEFF before the UTF-8 MSG (RFC 5424 §6.4); false for receivers that show it as stray characters'),
    max_message_bytes: size
      .optional()
      .describe(
        "udp: longer messages have MSG cut to fit (default 2048, RFC 5426); tcp and tls: a longer alert goes to the rejected-alerts file rather than be cut by the receiver (no limit by default; rsyslog's is 8 KiB unless its MaxMessageSize is raised)",
      ),
    tls: tlsSchema.optional(),
    timeout: timer.default('10s').describe('connect and write timeout'),
    delivery: deliverySchema,
  })
  .refine((sink) => sink.tls === undefined || sink.transport === 'tls', { message: 'tls settings need transport: tls', path: ['tls'] });

/** An http(s) endpoint without credentials in it (a token or secret has its own setting, kept out of logs). */
const httpUrl = z
  .string()
  .url({ abort: true })
  .refine((text) => /^https?:$/.test(new URL(text).protocol), { message: 'must be an http:// or https:// URL' })
  .refine((text) => !new URL(text).username && !new URL(text).password, { message: "must not carry credentials; use the sink's token or secret setting" });

const hecSink = z.strictObject({
  type: z.literal('splunk-hec'),
  name: z.string().min(1).default('splunk-hec'),
  url: httpUrl.describe('https://splunk:8088 (the /services/collector/event path is added) or the full event endpoint'),
  token: z.string().min(1).describe('HEC token; write ${ENV_VAR}, never the token itself'),
  format: sinkFormat.default('json').describe('rendering of the alert in the HEC event field'),
  index: z.string().min(1).optional(),
  source: z.string().min(1).default('driftwatch'),
  sourcetype: z.string().min(1).optional().describe('default: driftwatch:alert, driftwatch:ocsf, driftwatch:ecs or driftwatch:cef after the format'),
  host: z.string().min(1).optional().describe('HEC host field (default: this machine\'s host name)'),
  ack: z.boolean().default(false).describe('wait for indexer acknowledgement (must be enabled on the token)'),
  ack_poll_interval: timer.default('1s'),
  ack_timeout: timer.default('60s').describe('an ack that does not come in time makes the batch be sent again'),
  channel: z.string().min(1).optional().describe('X-Splunk-Request-Channel (default: a random UUID per process)'),
  tls: tlsSchema.optional(),
  timeout: timer.default('30s').describe('request timeout: the whole request, from connecting to the answer\'s last byte'),
  delivery: deliverySchema,
});

const webhookSink = z.strictObject({
  type: z.literal('webhook'),
  name: z.string().min(1).default('webhook'),
  url: httpUrl,
  secret: z.string().min(1).optional().describe('HMAC-SHA256 key of X-Driftwatch-Signature; write ${ENV_VAR}'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name'), z.string()).default({}).describe('extra request headers; their values are treated as secrets'),
  format: sinkFormat.default('json'),
  tls: tlsSchema.optional(),
  timeout: timer.default('30s').describe('request timeout: the whole request, from connecting to the answer\'s last byte'),
  delivery: deliverySchema,
});

const kafkaSink = kafkaConnectionSchema.extend({
  type: z.literal('kafka'),
  name: z.string().min(1).default('kafka'),
  topic: z.string().min(1).default('driftwatch-alerts').describe('alerts topic; messages keyed by agent id, header dw-alert-id'),
  format: sinkFormat.default('json'),
  delivery: deliverySchema,
});

const routeSchema = z.strictObject({
  match: z
    .strictObject({
      severity_at_least: z.enum(SEVERITIES).optional(),
      detectors: z.array(globPattern).min(1).optional().describe('globs of detector ids'),
      agents: z.array(globPattern).min(1).optional().describe('globs of agent ids'),
    })
    .default({})
    .describe('every condition given must hold; empty: every alert'),
  sinks: z.array(z.string().min(1)).min(1).describe('names of the sinks that receive the matching alerts'),
});

const telemetrySchema = z
  .strictObject({
    prometheus: z
      .strictObject({
        host: z.string().min(1).default('0.0.0.0').describe('address the metrics endpoint listens on (127.0.0.1 to keep it on the host)'),
        port: listenPort.default(9464).describe('port of the metrics endpoint (default 9464, the port registered for OpenTelemetry Prometheus exporters; 0: any free port)'),
        path: z.string().regex(/^\//, 'must start with /').default('/metrics').describe('HTTP path Prometheus scrapes'),
      })
      .optional()
      .describe('serve the pipeline, engine and sink metrics for Prometheus to scrape while the job runs (docs/telemetry.md)'),
  })
  .default({})
  .describe('metrics export; off unless a section is given');

export const configSchema = z.strictObject({
  registry: z.string().min(1).describe('path of the agent registry YAML (reloaded when it changes)'),
  source: z
    .discriminatedUnion('type', [fileSource, stdinSource, kafkaSourceSchema])
    .default({ type: 'stdin' })
    .describe('where the events come from (Kafka: docs/kafka.md); default: standard input'),
  max_event_bytes: size.default(1024 * 1024).describe('larger events go to the dead letters unparsed; bytes, or a size like 512KiB or 1MiB (default 1 MiB)'),
  max_future_skew: duration
    .default('1d')
    .describe("events timed further ahead of this host's clock go to the dead letters (a wrong exporter clock would otherwise move the agent's event-time clock forward and silence it); 0s turns the check off"),
  max_unregistered_agents: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_UNREGISTERED_AGENTS)
    .describe('agents unknown to the registry whose state is kept; past it the least recently active one is dropped'),
  dead_letter: z
    .strictObject({ path: z.string().min(1).describe('JSONL file of rejected input with the reason') })
    .default({ path: 'dead-letters.jsonl' }),
  detectors: z
    .strictObject({
      directories: z.array(z.string().min(1)).default([]).describe('directories of third-party detector modules'),
      maturity: z.array(z.enum(MATURITIES)).default(['stable']).describe('maturities that run unless enabled: false'),
      settings: z
        .record(z.string(), detectorSettingsSchema)
        .default({})
        .describe('tuning of each detector, by detector id (docs/detectors.md); an id no detector has is refused'),
    })
    .default({ directories: [], maturity: ['stable'], settings: {} }),
  sinks: z
    .array(z.discriminatedUnion('type', [consoleSink, fileSink, syslogSink, hecSink, webhookSink, kafkaSink]))
    .default([{ type: 'console', name: 'console', color: 'auto' }])
    .superRefine((sinks, context) => {
      const seen = new Set<string>();
      sinks.forEach((sink, index) => {
        if (seen.has(sink.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `sink name "${sink.name}" is used twice; give each sink its own name` });
        seen.add(sink.name);
      });
    })
    .describe('where the alerts go (docs/sinks.md); default: one console sink'),
  routes: z.array(routeSchema).default([]).describe('which sinks receive which alerts; none: every sink receives every alert'),
  default_sinks: z.array(z.string().min(1)).default([]).describe('sinks of alerts that match no route (otherwise such alerts are counted as unrouted)'),
  telemetry: telemetrySchema,
}).superRefine((config, context) => {
  const names = new Set(config.sinks.map((sink) => sink.name));
  const check = (name: string, path: PropertyKey[]) => {
    if (!names.has(name)) context.addIssue({ code: 'custom', path, message: `no sink is named "${name}" (sinks: ${[...names].join(', ')})` });
  };
  config.routes.forEach((route, index) => route.sinks.forEach((name, at) => check(name, ['routes', index, 'sinks', at])));
  config.default_sinks.forEach((name, at) => check(name, ['default_sinks', at]));
});

export type Config = z.output<typeof configSchema>;
export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type DetectorSettingsConfig = z.output<typeof detectorSettingsSchema>;
