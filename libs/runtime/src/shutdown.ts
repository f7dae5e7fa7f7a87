/**
 * Calls `stop` once on the first SIGTERM or SIGINT (graceful: flush, then leave), and
 * exits hard on a second signal so a stuck shutdown can still be interrupted.
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>, log: (msg: string) => void = () => undefined): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`second ${signal}: exiting now`);
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: shutting down gracefully`);
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
