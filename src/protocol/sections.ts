// The shell side of the section framing (core/sections.ts reads it): each probe's output between
// `@@haops KIND ARG` and `@@haops rc N`, so one round trip carries many small answers.

/** Shell function `run KIND ARG...`: frames the output (stdout and stderr) of `probe_KIND ARG...`. */
export const RUN_FUNCTION = `run() { printf '@@haops %s\\n' "$*"; k=$1; shift; { "probe_$k" "$@"; } 2>&1; printf '\\n@@haops rc %s\\n' "$?"; }`;
