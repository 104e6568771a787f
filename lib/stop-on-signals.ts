/**
 * SIGINT/SIGTERM run `stop` once (a second signal while stopping changes nothing), then exit 0; a stop that hangs
 * past `hardStopMs` exits 1, so a container or a terminal is never left with a process that will not die.
 */
export function stopOnSignals(stop: () => Promise<void>, opts: { hardStopMs: number; say: (line: string) => void }): void {
  let stopping = false;
  const onSignal = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    opts.say(`${signal}: stopping…`);
    setTimeout(() => {
      opts.say(`did not stop within ${opts.hardStopMs / 1000} s; exiting`);
      process.exit(1);
    }, opts.hardStopMs).unref();
    await stop();
    opts.say("stopped cleanly");
    process.exit(0);
  };
  process.on("SIGINT", () => void onSignal("SIGINT"));
  process.on("SIGTERM", () => void onSignal("SIGTERM"));
}
