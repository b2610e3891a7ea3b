// Reports every error a Nest app meets (HttpExceptions, validation, guards, plain `throw new
// Error()`) to erralertd, then lets Nest answer exactly as it would have.
//
//   main.ts:  app.useGlobalFilters(new ErralertFilter(app.get(HttpAdapterHost).httpAdapter));
//   Environment: ERRALERT_URL (default http://127.0.0.1:9780/v1/events), ERRALERT_SERVICE.
// Events wait in a bounded queue posted in batches in the background: a request never waits on
// erralert; what must be dropped is counted (erralertStats()) and logged once.
import { ArgumentsHost, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request } from 'express';

const URL = process.env.ERRALERT_URL ?? 'http://127.0.0.1:9780/v1/events';
const SERVICE = process.env.ERRALERT_SERVICE;
const queue: object[] = [];
let draining = false;
let dropped = 0;

@Catch()
export class ErralertFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http') {
      try {
        reportError(exception, host.switchToHttp().getRequest<Request>());
      } catch {
        drop(1, 'could not build the event');
      }
    }
    super.catch(exception, host); // Nest's own answer, unchanged
  }
}

export function reportError(exception: unknown, req: Request): void {
  const error = exception instanceof Error ? exception : new Error(String(exception));
  const status = exception instanceof HttpException ? exception.getStatus() : 500;
  const answer = exception instanceof HttpException ? exception.getResponse() : undefined;
  const body: Record<string, unknown> = typeof answer === 'object' && answer !== null ? { ...answer } : {};
  enqueue({
    service: SERVICE, status, code: body.code, detail: body.detail, error: body.error,
    message: body.message ?? (typeof answer === 'string' ? answer : error.message || error.name),
    exception: status < 500 ? { type: error.constructor.name }
      : { type: error.constructor.name, message: error.message, stacktrace: inAppFrames(error) },
    request: { method: req.method, path: req.path, params: { ...plain(req.query), ...plain(req.body) } },
  });
}

export function erralertStats(): { queued: number; dropped: number } {
  return { queued: queue.length, dropped };
}

/** Query values as strings (one value) or string lists; body members only when scalar. */
function plain(values: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof values !== 'object' || values === null) return out;
  for (const [k, v] of Object.entries(values)) {
    const one = Array.isArray(v) && v.length === 1 ? v[0] : v;
    if (['string', 'number', 'boolean'].includes(typeof one) || Array.isArray(one)) out[k] = one;
  }
  return out;
}

function inAppFrames(error: Error): string {
  const lines = (error.stack ?? '').split('\n');
  const frames = lines.filter((l) => l.trim().startsWith('at ') && !/node_modules|node:internal/.test(l));
  return [lines[0], ...frames.slice(0, 12)].join('\n');
}

function enqueue(event: object): void {
  if (queue.length >= 10_000) return drop(1, 'queue full');
  queue.push(event);
  if (!draining) {
    draining = true;
    setImmediate(() => void drain());
  }
}

async function drain(): Promise<void> {
  while (queue.length > 0) {
    const batch = queue.splice(0, 500);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(URL, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                       body: JSON.stringify(batch), signal: AbortSignal.timeout(2000) });
        await res.text();
        if (res.status < 500) break; // 202 (a 4xx would not get better by retrying)
        throw new Error(`HTTP ${res.status}`);
      } catch (e) {
        if (attempt === 3) { drop(batch.length, `${URL}: ${String(e)}`); break; }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
  draining = false;
}

function drop(n: number, why: string): void {
  if (dropped === 0) new Logger('erralert').warn(`dropping error reports (${why}); see erralertStats()`);
  dropped += n;
}
