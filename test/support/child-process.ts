/**
 * A part of the system as a child process, the way the fault suite (test/faults/) and the fleet test (test/fleet/)
 * run it: `node --import tsx <entry>` with the given environment, stdout and stderr appended to `logFile`, ready once
 * it prints "READY" (`ready` rejects if it exits first). `exited` resolves with the exit code, or -9 when it was
 * killed with SIGKILL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface ChildRun {
  child: ChildProcess;
  exited: Promise<number | null>;
  ready: Promise<void>;
}

export function spawnChild(entry: string, env: NodeJS.ProcessEnv, logFile: string): ChildRun {
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(process.execPath, ["--import", "tsx", entry], { env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(signal === "SIGKILL" ? -9 : code)));
  child.stderr!.pipe(log);
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      log.write(d);
      out += d.toString();
      if (out.includes("READY")) resolve();
    });
    void exited.then((code) => reject(new Error(`${entry} exited (${code}) before it was ready; see ${logFile}`)));
  });
  return { child, exited, ready };
}
