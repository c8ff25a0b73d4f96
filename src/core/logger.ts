/**
 * The gateway's logger: one function of level, message and detail. Detail is
 * an Error, a record of fields, or any value. `createLogger` writes either
 * text lines (`[eventgate] warn: message key=value`) or one JSON object per
 * line (`{"time":..,"level":..,"msg":..,...fields}`), drops lines below its
 * level, and redacts secrets in every line it writes (see redact.ts): a
 * token never reaches the log, whoever called. A runtime or embedder may hand
 * in its own Logger instead.
 */
import { redactFields, redactText } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string, detail?: unknown) => void;
export type LogFormat = 'text' | 'json';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface LoggerOptions {
  /** Default text. */
  format?: LogFormat;
  /** Lines below this level are dropped. Default info. */
  level?: LogLevel;
  /** Where a finished line goes. Default: console.log (console.error for warn and error in text). */
  write?: (line: string, level: LogLevel) => void;
  /** The clock, for `time`. */
  now?: () => Date;
}

/** Detail as fields: an Error becomes `{err}`, a plain record its own fields, anything else `{detail}`. */
function fieldsOf(detail: unknown): Record<string, unknown> | undefined {
  if (detail === undefined) return undefined;
  if (detail instanceof Error) return { err: detail.message };
  if (detail !== null && typeof detail === 'object' && !Array.isArray(detail)) return detail as Record<string, unknown>;
  return { detail };
}

function textValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v) ?? String(v);
}

const defaultWrite = (format: LogFormat) => (line: string, level: LogLevel) => {
  if (format === 'text' && (level === 'warn' || level === 'error')) console.error(line);
  else console.log(line);
};

export function createLogger(o: LoggerOptions = {}): Logger {
  const format = o.format ?? 'text';
  const min = LOG_LEVELS.indexOf(o.level ?? 'info');
  const write = o.write ?? defaultWrite(format);
  const now = o.now ?? (() => new Date());
  return (level, message, detail) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const msg = redactText(message);
    const raw = fieldsOf(detail);
    const fields = raw ? redactFields(raw) : undefined;
    if (format === 'json') {
      write(JSON.stringify({ time: now().toISOString(), level, msg, ...fields }), level);
      return;
    }
    let line = `[eventgate] ${level}: ${msg}`;
    if (fields) for (const k in fields) line += ` ${k}=${textValue(fields[k])}`;
    write(line, level);
  };
}

/** Text at info, to the console: the default when no logger is handed in. */
export const consoleLogger: Logger = createLogger();
