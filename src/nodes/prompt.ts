// Asks for a secret on the terminal without echoing it: an SSH key's passphrase, a sudo password.
// Never from a pipe, so CI and scripts get the environment variables instead.
import { openSync, closeSync, createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export function canPrompt(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return Boolean(process.stdin.isTTY || process.stdout.isTTY);
  } catch {
    return false;
  }
}

export function promptHidden(question: string): Promise<string> {
  const input = createReadStream('/dev/tty');
  const output = createWriteStream('/dev/tty');
  const rl = createInterface({ input, output, terminal: true });
  // Write the question, then swallow every echo of what is typed.
  output.write(question);
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      output.write('\n');
      rl.close();
      input.destroy();
      output.end();
      resolve(answer);
    });
  });
}

/** One answer per question for the whole run (every host of a fleet shares a key or a sudo password). */
export function memo(ask: (question: string) => Promise<string>): (question: string) => Promise<string> {
  const answers = new Map<string, Promise<string>>();
  return (q) => {
    let a = answers.get(q);
    if (!a) answers.set(q, (a = ask(q)));
    return a;
  };
}
