// The framing shared by haops' remote scripts: each probe prints a marker line, its output,
// then its exit status, so one round trip can carry many small answers. The shell side (the `run`
// function that prints them) is the protocol room's: protocol/sections.ts.
//
//   @@haops KIND ARG
//   <output, exactly as printed>
//   @@haops rc N

export interface Section {
  kind: string;
  arg: string;
  body: string;
  code: number;
}

const SECTION = /^@@haops (\S+)(?: (.*))?\n([\s\S]*?)\n@@haops rc (\d+)$/gm;

export function splitSections(stdout: string): Section[] {
  return [...stdout.matchAll(SECTION)].map((m) => ({ kind: m[1]!, arg: m[2] ?? '', body: m[3]!, code: Number(m[4]) }));
}
