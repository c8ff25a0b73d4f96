/**
 * The gateway's logger: one function of level, message and detail. The
 * default writes plain lines to the console; a runtime or embedder hands in
 * its own (JSON lines, a framework's logger).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string, detail?: unknown) => void;

export const consoleLogger: Logger = (level, message, detail) => {
  const line = `[eventgate] ${level}: ${message}`;
  const fn = level === 'error' ? console.error : level === 'warn' ? console.warn : console.log;
  if (detail === undefined) fn(line);
  else fn(line, detail instanceof Error ? detail.message : detail);
};
