// The one interface through which haops touches a node: a real SSH connection and a
// simulated host both implement it, so everything above it is testable without a network.

export interface ExecResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface ExecOptions {
  /** Bytes fed to the command's stdin (then EOF). */
  stdin?: string | Buffer;
  /** Run as root: through `sudo -S` when the login user is not root. Default true. */
  root?: boolean;
  /** Kill the channel and fail after this long. */
  timeoutMs?: number;
}

export interface StreamHandle {
  /** Ends the remote command (closes the channel). */
  stop(): void;
  /** Resolves when the remote command ends. */
  done: Promise<ExecResult>;
}

export interface Host {
  /** Inventory name of the host. */
  readonly name: string;
  /** Runs one shell command (sh -c semantics). Resolves on any exit code; rejects only on transport failure. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Runs a long-lived command and hands each stdout line to onLine with the local receive time (Date.now()). */
  stream(command: string, onLine: (line: string, receivedAt: number) => void, opts?: ExecOptions): Promise<StreamHandle>;
  /** Number of exec/stream calls made so far: the figure benchmarks report as round trips. */
  readonly roundTrips: number;
  close(): Promise<void>;
}

/** A transport-level failure (connect, auth, host key, timeout): names the host and what to do. */
export class HostError extends Error {
  constructor(
    readonly host: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}
