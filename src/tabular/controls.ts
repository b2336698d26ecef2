/**
 * Control characters in attacker-chosen text (paths, notes, report ids): NUL, ESC and the other C0/C1
 * controls can drive a terminal or cut a string short, and bidirectional overrides such as U+202E make
 * "gpj.exe" read as "exe.jpg". Outputs meant for people show each as a visible marker instead.
 */

/**
 * C0 controls except tab, LF and CR; DEL; C1 controls; the bidirectional marks, embeddings, overrides and
 * isolates; the line and paragraph separators; zero-width space and the byte-order mark (text a reader
 * cannot see).
 */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** The same, plus tab, LF and CR: for one line of a terminal message. */
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Also the line and paragraph separators, which JSON leaves raw but many viewers treat as line breaks. */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;

const hex4 = (c: string): string => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');

/** `text` with every control character replaced by a visible marker such as `<U+202E>`; other text unchanged. */
export function showControls(text: string): string {
  return text.replace(CONTROLS, (c) => `<U+${hex4(c)}>`);
}

/** `text` fit for one line of a terminal: every control character, tab and line break included, shown as a marker. */
export function showControlsInLine(text: string): string {
  return text.replace(LINE_CONTROLS, (c) => `<U+${hex4(c)}>`);
}

/**
 * JSON text with the control and bidirectional characters JSON.stringify leaves raw written as \uXXXX
 * escapes: it parses to the same value, but shows no reordered or hidden text in a viewer or terminal.
 */
export function escapeJsonControls(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${hex4(c).toLowerCase()}`);
}
