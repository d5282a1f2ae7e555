import { get, type RequestOptions } from 'node:http';
import type { Attributes, BatchObservableCallback, Meter, MeterProvider, Observable } from '@opentelemetry/api';

/** A meter provider that records observable instruments and lets the test collect them once. */
export function recordingProvider() {
  const callbacks: BatchObservableCallback[] = [];
  const names = new Map<Observable, string>();
  const instrument = (name: string) => {
    const observable = { addCallback() {}, removeCallback() {} } as unknown as Observable;
    names.set(observable, name);
    return observable;
  };
  const meter = {
    createObservableCounter: instrument,
    createObservableGauge: instrument,
    addBatchObservableCallback: (callback: BatchObservableCallback) => void callbacks.push(callback),
    removeBatchObservableCallback: (callback: BatchObservableCallback) => void callbacks.splice(callbacks.indexOf(callback), 1),
  } as unknown as Meter;
  const provider: MeterProvider = { getMeter: () => meter };
  const collect = async () => {
    const points: { name: string; value: number; attributes: Attributes }[] = [];
    for (const callback of callbacks) {
      await callback({ observe: (observable, value, attributes = {}) => void points.push({ name: names.get(observable)!, value, attributes }) });
    }
    return points;
  };
  return { provider, collect, callbacks };
}

/** GET a URL on this machine: status and body. */
export function scrape(url: string, options: RequestOptions = {}): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body }));
    }).on('error', reject);
  });
}

/** The value of one sample in the Prometheus text format, by name and exact label set. */
export function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`).sort().join(',');
  for (const line of body.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = (match[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter(Boolean).sort().join(',');
    if (got === wanted) return Number(match[3]);
  }
  return undefined;
}
