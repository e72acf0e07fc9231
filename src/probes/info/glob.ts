// Shell-style wildcards for probe names: `*` (any run), `?` (one character), `{a,b}`
// (alternatives, nestable) and `[abc]` / `[!a-z]` (character classes). Compiled to a RegExp
// once, so matching a pattern against 100k symbol names stays cheap.

export type Matcher = (s: string) => boolean;

/** Whether the text contains any wildcard syntax. */
export function hasWildcard(pattern: string): boolean {
  return /[*?[{]/.test(pattern);
}

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** Translates a glob into a RegExp source (anchored by the caller). */
export function globToRegExpSource(pattern: string): string {
  let out = '';
  let depth = 0; // open `{` groups
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    switch (c) {
      case '*':
        out += '[^]*';
        break;
      case '?':
        out += '[^]';
        break;
      case '{': {
        // Only a brace with a matching close brace opens a group; a lone one is literal.
        if (findClose(pattern, i) < 0) {
          out += '\\{';
          break;
        }
        depth++;
        out += '(?:';
        break;
      }
      case ',':
        out += depth > 0 ? '|' : ',';
        break;
      case '}':
        if (depth > 0) {
          depth--;
          out += ')';
        } else {
          out += '\\}';
        }
        break;
      case '[': {
        const end = pattern.indexOf(']', i + 2);
        if (end < 0) {
          out += '\\[';
          break;
        }
        let body = pattern.slice(i + 1, end);
        let negate = false;
        if (body.startsWith('!') || body.startsWith('^')) {
          negate = true;
          body = body.slice(1);
        }
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
        i = end;
        break;
      }
      case '\\':
        // A backslash quotes the next character.
        if (i + 1 < pattern.length) out += escapeChar(pattern[++i]);
        else out += '\\\\';
        break;
      default:
        out += escapeChar(c);
    }
  }
  return out;
}

/** Index of the `}` closing the `{` at `open`, or -1. */
function findClose(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** A predicate testing whole strings against the glob. */
export function globToMatcher(pattern: string): Matcher {
  if (!hasWildcard(pattern) && !pattern.includes('\\')) return (s) => s === pattern;
  if (pattern === '*') return () => true;
  const re = new RegExp(`^(?:${globToRegExpSource(pattern)})$`);
  return (s) => re.test(s);
}
