// nginx's reading of configuration text, as the real nginx reads it: each case was run through
// nginx 1.22 (Debian 12, the lab's) by test/lab/nginx-grammar.test.ts, which keeps checking it.
// The unit tests hold haops's port of ngx_conf_read_token (src/core/nginx-conf.ts) to the same.

/** `return 200 SRC;` in a location: nginx answers with the word VALUE (quotes and escapes as nginx reads them). */
export const WORDS: { src: string; value: string }[] = [
  { src: 'plain', value: 'plain' },
  { src: 'a"b', value: 'a"b' }, // a quote in the middle of a word is a character
  { src: "a'b", value: "a'b" },
  { src: '"a b"', value: 'a b' },
  { src: "'a;b'", value: 'a;b' },
  { src: '"a\\"b"', value: 'a"b' },
  { src: "'a\\'b'", value: "a'b" },
  { src: 'a\\;b', value: 'a\\;b' }, // \; is not an escape nginx unescapes, but it hides the ;
  { src: '"a\\tb"', value: 'a\tb' },
  { src: 'a\\\\b', value: 'a\\b' },
  { src: 'a}b', value: 'a}b' }, // } does not end a word
  { src: 'a#b', value: 'a#b' }, // # starts a comment only at the start of a word
  { src: '\\"a', value: '"a' },
  { src: '"a{b}"', value: 'a{b}' },
  { src: '"#x"', value: '#x' },
  { src: "'}'", value: '}' },
  { src: 'a\\ b', value: 'a\\ b' }, // an escaped space stays in the word
];

/**
 * Lines inside a server block that nginx refuses while reading the file, with nginx's message
 * and the line (of the file made by wrapFile) it names.
 */
export const ERRORS: { inServer: string; message: string; line: number }[] = [
  { inServer: 'return 200 "a"b;', message: 'unexpected "b"', line: 4 },
  { inServer: 'location /a { set $x ${ } }', message: 'unexpected "}"', line: 4 },
  { inServer: 'return 200 x}', message: 'unexpected "}"', line: 5 },
  { inServer: 'add_header X "y;', message: 'unexpected end of file, expecting ";" or "}"', line: 7 },
  { inServer: 'return 200; ;', message: 'unexpected ";"', line: 4 },
  { inServer: '{ return 200; }', message: 'unexpected "{"', line: 4 },
];

/** Lines that nginx reads as a second server at http level: the break-outs validate refuses. */
export const BREAKOUTS: string[] = [
  "add_header X a'; } server { listen 127.0.0.1:18182; return 200 out; } server { listen 127.0.0.1:18184; set $x a';",
  'add_header X a"; } server { listen 127.0.0.1:18183; return 200 out; } server { listen 127.0.0.1:18185; set $x a";',
];

/** A whole nginx.conf around lines of a server block (the server's `{` on line 3, the lines from 4). */
export function wrapFile(inServer: string, port = 18181): string {
  return `events { }
http { access_log off;
server { listen 127.0.0.1:${port};
${inServer}
}
}
`;
}
