// nginx's configuration grammar, ported from nginx's own lexer (ngx_conf_read_token in
// src/core/ngx_conf_file.c, nginx 1.29) and the block structure of ngx_conf_parse: what haops
// accepts in `nginx.extra` is judged by the rules nginx reads it with, not by a lookalike.
// The port keeps nginx's state variables and their order of tests; only the buffer refills and
// the 4 KB token limit (NGX_CONF_BUFFER) are left out, since haops caps an entry's length. Pure.

export interface NgxToken {
  /** The word as nginx stores it: quotes stripped, \" \' \\ \t \r \n unescaped. */
  value: string;
  /** The bytes of the file it came from, quotes included. */
  raw: string;
  quoted: boolean;
  line: number;
  col: number;
}

export interface NgxStatement {
  name: NgxToken;
  args: NgxToken[];
  /** Set when the statement ended in `{`: the statements up to its `}`. */
  block?: NgxStatement[];
}

export interface NgxError {
  message: string;
  line: number;
  col: number;
}

export type NgxParse = { ok: true; statements: NgxStatement[]; comments: { line: number; col: number }[] } | { ok: false; error: NgxError };

type Rc = { rc: 'ok' | 'block-start'; args: NgxToken[] } | { rc: 'block-done' } | { rc: 'file-done' } | { rc: 'error'; error: NgxError };

const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';

/** The word between start and end, as ngx_conf_read_token copies it into cf->args. */
function wordOf(text: string, start: number, end: number): string {
  let out = '';
  let src = start;
  while (src < end) {
    if (text[src] === '\\') {
      const next = text[src + 1];
      if (next === '"' || next === "'" || next === '\\') src++;
      else if (next === 't' || next === 'r' || next === 'n') {
        out += next === 't' ? '\t' : next === 'r' ? '\r' : '\n';
        src += 2;
        continue;
      }
    }
    out += text[src++];
  }
  return out;
}

/** A reader over one text: each read() is one call of ngx_conf_read_token. */
function reader(text: string, comments: { line: number; col: number }[]) {
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const colOf = (p: number) => p - lineStart + 1;
  return {
    at: () => ({ line, col: colOf(pos) }),
    read(): Rc {
      let found = false;
      let needSpace = false;
      let lastSpace = true;
      let sharpComment = false;
      let variable = false;
      let quoted = false;
      let sQuoted = false;
      let dQuoted = false;
      const args: NgxToken[] = [];
      let start = pos;
      let startLine = line;
      let startCol = colOf(pos);
      const error = (message: string, p = pos - 1): Rc => ({ rc: 'error', error: { message, line, col: colOf(p) } });
      for (;;) {
        if (pos >= text.length) {
          if (args.length > 0 || !lastSpace) return error('unexpected end of file, expecting ";" or "}"', pos);
          return { rc: 'file-done' };
        }
        const ch = text[pos++]!;
        if (ch === '\n') {
          line++;
          lineStart = pos;
          if (sharpComment) sharpComment = false;
        }
        if (sharpComment) continue;
        if (quoted) {
          quoted = false;
          continue;
        }
        if (needSpace) {
          if (isSpace(ch)) {
            lastSpace = true;
            needSpace = false;
            continue;
          }
          if (ch === ';') return { rc: 'ok', args };
          if (ch === '{') return { rc: 'block-start', args };
          if (ch === ')') {
            lastSpace = true;
            needSpace = false;
          } else {
            return error(`unexpected "${ch}"`);
          }
        }
        if (lastSpace) {
          start = pos - 1;
          startLine = line;
          startCol = colOf(start);
          if (isSpace(ch)) continue;
          switch (ch) {
            case ';':
            case '{':
              if (args.length === 0) return error(`unexpected "${ch}"`);
              return { rc: ch === '{' ? 'block-start' : 'ok', args };
            case '}':
              if (args.length !== 0) return error('unexpected "}"');
              return { rc: 'block-done' };
            case '#':
              sharpComment = true;
              comments.push({ line, col: colOf(pos - 1) });
              continue;
            case '\\':
              quoted = true;
              lastSpace = false;
              continue;
            case '"':
              start++;
              dQuoted = true;
              lastSpace = false;
              continue;
            case "'":
              start++;
              sQuoted = true;
              lastSpace = false;
              continue;
            case '$':
              variable = true;
              lastSpace = false;
              continue;
            default:
              lastSpace = false;
          }
        } else {
          if (ch === '{' && variable) continue;
          variable = false;
          if (ch === '\\') {
            quoted = true;
            continue;
          }
          if (ch === '$') {
            variable = true;
            continue;
          }
          const wasQuoted = dQuoted || sQuoted;
          if (dQuoted) {
            if (ch === '"') {
              dQuoted = false;
              needSpace = true;
              found = true;
            }
          } else if (sQuoted) {
            if (ch === "'") {
              sQuoted = false;
              needSpace = true;
              found = true;
            }
          } else if (isSpace(ch) || ch === ';' || ch === '{') {
            lastSpace = true;
            found = true;
          }
          if (found) {
            const rawStart = wasQuoted ? start - 1 : start;
            const rawEnd = wasQuoted ? pos : pos - 1;
            args.push({
              value: wordOf(text, start, pos - 1),
              raw: text.slice(rawStart, rawEnd),
              quoted: wasQuoted,
              line: startLine,
              col: startCol,
            });
            if (ch === ';') return { rc: 'ok', args };
            if (ch === '{') return { rc: 'block-start', args };
            found = false;
          }
        }
      }
    },
  };
}

/**
 * The statements of a text as ngx_conf_parse builds them (a file: a `}` with no block open is an
 * error, so is end of text inside one). Directive names are not looked up: that is nginx's module
 * table, not its grammar.
 */
export function parseNginx(text: string): NgxParse {
  const comments: { line: number; col: number }[] = [];
  const r = reader(text, comments);
  const block = (depth: number): NgxStatement[] | NgxError => {
    const out: NgxStatement[] = [];
    for (;;) {
      const t = r.read();
      if (t.rc === 'error') return t.error;
      if (t.rc === 'block-done') {
        if (depth === 0) return { message: 'unexpected "}"', ...r.at(), col: r.at().col - 1 };
        return out;
      }
      if (t.rc === 'file-done') {
        if (depth > 0) return { message: 'unexpected end of file, expecting "}"', ...r.at() };
        return out;
      }
      const [name, ...args] = t.args;
      const st: NgxStatement = { name: name!, args };
      if (t.rc === 'block-start') {
        const inner = block(depth + 1);
        if (!Array.isArray(inner)) return inner;
        st.block = inner;
      }
      out.push(st);
    }
  };
  const result = block(0);
  return Array.isArray(result) ? { ok: true, statements: result, comments } : { ok: false, error: result };
}

/** Every statement, depth first, with its depth (0: the text's own level). */
export function* walkNginx(statements: NgxStatement[], depth = 0): Generator<{ st: NgxStatement; depth: number }> {
  for (const st of statements) {
    yield { st, depth };
    if (st.block) yield* walkNginx(st.block, depth + 1);
  }
}
