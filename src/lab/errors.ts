// The one error class the lab throws: a one-line message saying what went wrong and what to do.
// The CLI prints `message` alone; `detail` carries the long story (command output) for --verbose.

export class LabError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'LabError';
  }
}
