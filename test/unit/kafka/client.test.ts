import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { kafkaConnectionSchema } from '../../../src/config/kafka.js';
import { configSchema } from '../../../src/config/schema.js';
import { connectionHint, kafkaClient, kafkaLogCreator, kafkaLogLevel } from '../../../src/kafka/client.js';
import { createSinks } from '../../../src/sinks/create.js';
import { silentLogger, stderrLogger } from '../../../src/telemetry/log.js';

const PEM = resolve('package.json'); // any readable file: the client is made, not connected
const missing = (name: string) => join(resolve('.'), 'test', `does-not-exist-${name}.pem`);

function connection(tls: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { ...kafkaConnectionSchema.parse({ brokers: ['127.0.0.1:9'], tls }), ...extra };
}

describe('kafkaClient TLS files', () => {
  it.each([
    ['ca', { ca: missing('ca') }],
    ['cert', { cert: missing('cert'), key: PEM }],
    ['key', { cert: PEM, key: missing('key') }],
  ])('a missing %s file is DW_CONFIG_INVALID naming source.tls.<field> and the path', (field, tls) => {
    expect(() => kafkaClient(connection(tls), silentLogger)).toThrow(
      expect.objectContaining({ name: 'DriftwatchError', code: 'DW_CONFIG_INVALID', message: expect.stringContaining(`source.tls.${field} ${missing(field)}`) }),
    );
  });

  it('names a Kafka sink by its name', () => {
    expect(() => kafkaClient(connection({ ca: missing('ca') }, { name: 'siem-topic' }), silentLogger)).toThrow(/sink "siem-topic" tls\.ca/);
  });

  it('reads files that exist, and none when TLS is off', () => {
    expect(() => kafkaClient(connection({ ca: PEM, cert: PEM, key: PEM }), silentLogger)).not.toThrow();
    expect(() => kafkaClient(connection({ enabled: false, ca: missing('ca') }), silentLogger)).not.toThrow();
  });
});

describe('Kafka alerts sink', () => {
  it('fails when the sinks are made, not at the first delivery, when a TLS file cannot be read', () => {
    const sinks = configSchema.parse({
      registry: 'registry.yaml',
      sinks: [{ type: 'kafka', name: 'siem-topic', brokers: ['127.0.0.1:9'], topic: 'alerts', tls: { ca: missing('ca') } }],
    }).sinks;
    expect(() => createSinks(sinks, new PassThrough())).toThrow(
      expect.objectContaining({ code: 'DW_CONFIG_INVALID', message: expect.stringContaining(`sink "siem-topic" tls.ca ${missing('ca')}`) }),
    );
  });
});

describe('kafkajs log levels', () => {
  it("passes a group's routine events on as info, real errors as errors", () => {
    const ERROR = 1;
    const WARN = 2;
    expect(kafkaLogLevel(ERROR, 'Response Heartbeat(key: 12, version: 3)', new Error('The group is rebalancing, so a rejoin is needed'))).toBe('info');
    expect(kafkaLogLevel(ERROR, 'Response InitProducerId(key: 22, version: 1)', new Error("The coordinator is loading and hence can't process requests"))).toBe('info');
    expect(kafkaLogLevel(ERROR, 'Crash: KafkaJSNonRetriableError', new Error('Failed to find group coordinator'))).toBe('error');
    expect(kafkaLogLevel(ERROR, 'Connection error', new Error('connect ECONNREFUSED 127.0.0.1:9092'))).toBe('error');
    expect(kafkaLogLevel(WARN, 'Limiting retries for the idempotent producer to Number.MAX_SAFE_INTEGER', undefined)).toBe('debug');
    expect(kafkaLogLevel(WARN, 'something else', undefined)).toBe('warn');
  });
});

describe('kafkajs log lines', () => {
  it('carry the fields a line has (a consumer crash: its group and retry count), no empty ones, and never the password', () => {
    const lines: string[] = [];
    const log = kafkaLogCreator(stderrLogger('debug', (line) => lines.push(line), () => 0), ['s3cr3t-pw'])(1);
    log({ namespace: 'Consumer', level: 1, label: 'ERROR', log: { timestamp: '', message: 'Crash: KafkaJSNumberOfRetriesExceeded: gave up (password s3cr3t-pw)', groupId: 'driftwatch', retryCount: 5, stack: 'at x' } });
    log({ namespace: 'Connection', level: 1, label: 'ERROR', log: { timestamp: '', message: 'Connection error', broker: '127.0.0.1:9092', error: 'connect ECONNREFUSED' } });
    expect(lines).toEqual([
      '1970-01-01T00:00:00.000Z driftwatch error kafka Consumer: Crash: KafkaJSNumberOfRetriesExceeded: gave up (password [REDACTED]) group="driftwatch" retry=5\n',
      '1970-01-01T00:00:00.000Z driftwatch error kafka Connection: Connection error broker="127.0.0.1:9092" error="connect ECONNREFUSED"\n',
    ]);
  });
});

describe('connection hints', () => {
  const tlsClosed = 'Connection error: Client network socket disconnected before secure TLS connection was established';
  const saslState = 'Request is not valid given the current SASL state';

  it('say what to check when TLS or SASL meets a listener without it, and nothing otherwise', () => {
    expect(connectionHint(connection({}), tlsClosed)).toMatch(/^TLS is on \(tls\): is this listener TLS/);
    expect(connectionHint(connection({ enabled: false }), tlsClosed)).toBeUndefined();
    const sasl = { ...connection({ enabled: false }), sasl: { mechanism: 'scram-sha-512' as const, username: 'u', password: 'p' } };
    expect(connectionHint(sasl, saslState)).toMatch(/^SASL is on \(sasl\.mechanism scram-sha-512\): is this listener SASL_PLAINTEXT or SASL_SSL/);
    expect(connectionHint(connection({ enabled: false }), saslState)).toBeUndefined();
    expect(connectionHint(connection({}), 'connect ECONNREFUSED 127.0.0.1:9')).toBeUndefined();
  });
});
