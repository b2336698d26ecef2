/**
 * Telling from a file's first bytes that it is not UTF-8 text: compressed, an archive, or UTF-16 (what
 * Excel saves as "Unicode Text", with or without a byte-order mark). Every tabular input refuses such a
 * file up front with the same words, instead of reading its bytes as garbage rows.
 */

/** Bytes looked at for UTF-16 without a byte-order mark. */
const SNIFF_BYTES = 1024;

/**
 * Which byte of each 16-bit unit is zero in most of `head` ('le': the second, 'be': the first), as in
 * UTF-16 text that is mostly Latin script; null when neither is. A UTF-8 text with a stray NUL or two
 * is not UTF-16: at least two units and a third of them must show the pattern, and the other byte of
 * those units must not be zero.
 */
function utf16WithoutBom(head: Uint8Array): 'le' | 'be' | null {
  const units = Math.min(head.length, SNIFF_BYTES) >> 1;
  let le = 0;
  let be = 0;
  for (let i = 0; i < units; i++) {
    const a = head[2 * i];
    const b = head[2 * i + 1];
    if (a !== 0 && b === 0) le++;
    else if (a === 0 && b !== 0) be++;
  }
  const enough = Math.max(2, Math.ceil(units / 3));
  if (le >= enough && le > 4 * be) return 'le';
  if (be >= enough && be > 4 * le) return 'be';
  return null;
}

/**
 * Why a file starting with `head` cannot be read as UTF-8 text, in words for the user ("UTF-16 text;
 * save it as UTF-8"), or null when nothing in its first bytes says so. A few NUL bytes alone are not a
 * reason here: a reader decides what they mean (binary data, or a bad cell).
 */
export function notUtf8TextReason(head: Uint8Array): string | null {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed; decompress it first';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'a ZIP archive; extract it first';
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return 'UTF-16 text; save it as UTF-8';
  if (utf16WithoutBom(head) !== null) return 'UTF-16 text (no byte-order mark); save it as UTF-8';
  return null;
}
