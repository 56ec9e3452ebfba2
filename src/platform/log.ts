import { pino } from 'pino';

/**
 * Structured JSON logging for the whole process: Fastify's request logs and the services'
 * background work share one logger (pino, which Fastify itself uses).
 */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createLogger(level: string): pino.Logger {
  return pino({ level });
}
