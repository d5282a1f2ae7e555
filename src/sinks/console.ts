import type { Writable } from 'node:stream';
import type { Alert } from '../alerts/alert.js';
import type { Severity } from '../sdk/detector.js';
import { TEXT_HIDING_CHARS } from './hidden-chars.js';
import type { AlertSink } from './sink.js';

const SEVERITY_COLOR: Record<Severity, string> = { low: '36', medium: '33', high: '31', critical: '1;97;41' };

export type ColorChoice = 'auto' | 'always' | 'never';

export function useColor(choice: ColorChoice, stream: Writable & { isTTY?: boolean }): boolean {
  if (choice !== 'auto') return choice === 'always';
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

export function paint(text: string, code: string, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/**
 * Control characters (C0, DEL, C1), the Unicode line and paragraph separators, and the characters
 * that reorder or hide text (bidirectional overrides and isolates, zero-width characters).
 */
const CONTROL = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029${TEXT_HIDING_CHARS}]`, 'g');
const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text from events or plugins, made safe for a terminal line: a line break cannot start a line that
 * looks like another alert, and an escape sequence cannot recolour or rewrite the screen. Each
 * control character is shown escaped (`\n`, `\u001b`).
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One line a person can read: when, how bad, which detector, which agent, what, who answers for it. */
export function formatAlertLine(alert: Alert, color: boolean): string {
  const severity = paint(alert.severity.toUpperCase().padEnd(8), SEVERITY_COLOR[alert.severity], color);
  const accountable = alert.agent.registered
    ? `owner ${alert.agent.owner ?? '(none)'}, custodian ${alert.agent.custodian ?? '(none)'}`
    : 'not registered';
  const dim = (text: string) => paint(text, '2', color);
  return `${dim(alert.time)} ${severity} ${printable(alert.detector.padEnd(28))} ${printable(alert.title)} ${dim(`[${printable(accountable)}] ${alert.id}`)}`;
}

export class ConsoleSink implements AlertSink {
  private readonly color: boolean;

  constructor(
    readonly name: string,
    private readonly stream: Writable & { isTTY?: boolean } = process.stdout,
    color: ColorChoice = 'auto',
  ) {
    this.color = useColor(color, stream);
  }

  async deliver(alerts: readonly Alert[]): Promise<void> {
    let text = '';
    for (const alert of alerts) text += formatAlertLine(alert, this.color) + '\n';
    if (!this.stream.write(text)) await new Promise((resolve) => this.stream.once('drain', resolve));
  }

  async close(): Promise<void> {}
}
