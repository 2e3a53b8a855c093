// ANSI styles for the text reports, as `node:util` `styleText` writes them (same codes, same
// nesting), without importing `node:`, so the renderers also run in a browser. Callers decide
// whether to colour at all (`{color}`), from the stream and NO_COLOR / FORCE_COLOR.

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  underline: [4, 24],
  inverse: [7, 27],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  white: [37, 39],
  gray: [90, 39],
} as const;

/** One style name, or several applied outermost first. */
export type Style = keyof typeof CODES | readonly (keyof typeof CODES)[];

/** `text` wrapped in the ANSI codes of `style`. */
export function styleText(style: Style, text: string): string {
  let left = "";
  let right = "";
  for (const key of typeof style === "string" ? [style] : style) {
    const [open, close] = CODES[key as keyof typeof CODES];
    left += `\u001b[${open}m`;
    right = `\u001b[${close}m${right}`;
  }
  return `${left}${text}${right}`;
}
