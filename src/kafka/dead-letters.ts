import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';
import type { DeadLetter, DeadLetterSink } from '../pipeline/dead-letter.js';
import { redactSecrets } from '../redaction.js';

/** Where the current batch's messages are, so a dead letter can carry the original bytes. */
export type MessageLookup = (partition: number, offset: string) => KafkaMessage | undefined;

/**
 * Rejected messages to the dead-letter topic: the original bytes (credentials redacted) and
 * headers for the reason, the code, the field and where the message came from.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
    private readonly lookup: MessageLookup,
  ) {}

  async write(records: readonly DeadLetter[]): Promise<void> {
    const messages = records.map((record) => {
      const source = record.source;
      const origin = 'topic' in source ? this.lookup(source.partition, source.offset) : undefined;
      const headers: IHeaders = {
        'dw-code': record.code,
        'dw-reason': record.reason,
        ...(record.field ? { 'dw-field': record.field } : {}),
        ...('topic' in source
          ? { 'dw-source-topic': source.topic, 'dw-source-partition': String(source.partition), 'dw-source-offset': source.offset }
          : { 'dw-source-file': source.file, 'dw-source-line': String(source.line) }),
      };
      let value: Buffer | null = origin?.value ?? Buffer.from(record.original);
      if (value !== null) {
        // latin1 maps bytes one to one, so redaction keeps every other byte of the original as it was.
        const text = value.toString('latin1');
        const redacted = redactSecrets(text);
        if (redacted !== text) {
          value = Buffer.from(redacted, 'latin1');
          headers['dw-redacted'] = 'true';
        }
      }
      return { key: origin?.key ?? null, value, headers };
    });
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  async close(): Promise<void> {}
}
