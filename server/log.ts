// The logger the server's parts share: Fastify's pino logger satisfies it
// (main passes app.log); tests pass SILENT_LOG or a recording one.

export interface Logger {
  trace(o: object, msg: string): void;
  debug(o: object, msg: string): void;
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

const nop = () => {};

export const SILENT_LOG: Logger = { trace: nop, debug: nop, info: nop, warn: nop, error: nop };
