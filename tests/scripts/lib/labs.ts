import { readdirSync, readFileSync } from 'node:fs';
import { ROOT } from './run-script.ts';

export interface Block {
  /** The fence's language: `bash` for commands, `text` for expected output. */
  language: string;
  content: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface Lab {
  /** e.g. `docs/labs/06-strict-mtls.md` */
  path: string;
  text: string;
  blocks: Block[];
  /** The text outside code blocks. */
  prose: string;
}

/** Fenced code blocks, in order. */
export function codeBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  let open: { language: string; line: number; body: string[] } | undefined;
  lines.forEach((line, index) => {
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) {
      open?.body.push(line);
      return;
    }
    if (open) {
      blocks.push({ language: open.language, content: open.body.join('\n'), line: open.line });
      open = undefined;
    } else {
      open = { language: fence[1] ?? '', line: index + 1, body: [] };
    }
  });
  if (open) throw new Error(`unclosed code block at line ${open.line}`);
  return blocks;
}

export function loadLabs(): Lab[] {
  return readdirSync(`${ROOT}docs/labs`)
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => {
      const path = `docs/labs/${file}`;
      const text = readFileSync(`${ROOT}${path}`, 'utf8');
      return {
        path,
        text,
        blocks: codeBlocks(text),
        prose: text.replace(/^```[\s\S]*?^```$/gm, ''),
      };
    });
}

/**
 * The messages a script can print with `say`, `fail` or `usage_error`, as regular expressions:
 * each `$variable`, `${…}` and `$(…)` in the message may stand for anything.
 */
export function scriptMessages(source: string): RegExp[] {
  const messages: RegExp[] = [];
  const start = /\b(?:say|fail|usage_error) "/g;
  for (let match = start.exec(source); match; match = start.exec(source)) {
    const template = readDoubleQuoted(source, match.index + match[0].length);
    const pattern = template
      .split('\u0000')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    messages.push(new RegExp(`^${pattern}$`));
  }
  return messages;
}

/** Reads a bash double-quoted string from `at` (after the opening quote); expansions become \0. */
function readDoubleQuoted(source: string, at: number): string {
  let out = '';
  let i = at;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\') {
      out += source[i + 1] ?? '';
      i += 2;
    } else if (char === '"') {
      return out;
    } else if (char === '$' && (source[i + 1] === '(' || source[i + 1] === '{')) {
      i = skipBalanced(source, i + 1);
      out += '\u0000';
    } else if (char === '$' && /[A-Za-z_0-9#?*@]/.test(source[i + 1] ?? '')) {
      i += 1;
      while (/[A-Za-z_0-9]/.test(source[i] ?? '')) i += 1;
      if (/[#?*@]/.test(source[i] ?? '') && source[i - 1] === '$') i += 1;
      out += '\u0000';
    } else {
      out += char;
      i += 1;
    }
  }
  throw new Error(`unterminated string at ${at}`);
}

/** From an opening ( or {, the index after its match, skipping quoted parts. */
function skipBalanced(source: string, at: number): number {
  const open = source[at];
  const close = open === '(' ? ')' : '}';
  let depth = 0;
  let i = at;
  let quote: string | undefined;
  while (i < source.length) {
    const char = source[i];
    if (quote) {
      if (char === '\\') i += 1;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === open) {
      depth += 1;
    } else if (char === close) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  throw new Error(`unbalanced ${open} at ${at}`);
}

/** Commands of a bash block: one per line, with `\` continuations joined. */
export function commands(block: Block): string[] {
  return block.content
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
