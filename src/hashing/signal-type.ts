/**
 * The signal-type abstraction (after python-threatexchange's SignalType): everything the rest of the
 * pipeline needs to know about one kind of hash. PDQ, blockhash and the file digests are instances; code
 * outside src/hashing iterates over signal types and never switches on their names.
 */

/** Names of the signal types hashtriage computes and matches. */
export type SignalName = 'pdq' | 'blockhash' | 'md5' | 'sha1' | 'sha256';

/** Decoded pixels of one image: one decode feeds every perceptual signal type. */
export interface DecodedImage {
  /** Width and height of the first frame, in pixels. */
  readonly width: number;
  readonly height: number;
  /** 1 = single-channel grey, 3 = RGB; interleaved 8-bit samples, stored colour values (alpha dropped). */
  readonly channels: 1 | 3;
  readonly pixels: Uint8Array;
  /** One alpha byte per pixel when the file has an alpha channel, else null. */
  readonly alpha: Uint8Array | null;
  /** Container format as the decoder names it (jpeg, png, webp, gif, tiff, heif, …). */
  readonly format: string;
}

/** Options that change how a perceptual hash is computed (recorded with the output). */
export interface PerceptualOptions {
  /** PDQ flavour: 'full' hashes the full image (default), 'cli512' matches the reference CLI's 512×512 resize. */
  readonly pdqFlavour?: 'full' | 'cli512';
  /** Also compute the 7 rotated/flipped variants where the signal type supports them. */
  readonly dihedral?: boolean;
  /** Also hash the content inside uniform borders (region variant `content`) where the type supports regions. */
  readonly unletterbox?: boolean;
  /** Also hash the crop regions (central 90%/80%, each side trimmed by 10%) where the type supports regions. */
  readonly cropRegions?: boolean;
}

/** Names of the dihedral variants, in output order. */
export const DIHEDRAL_NAMES = ['rot90', 'rot180', 'rot270', 'flipX', 'flipY', 'transpose', 'antiTranspose'] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

/**
 * Names of the region variants, in output order: `content` = the picture inside uniform borders (matched
 * against lists and within a batch); the others = crops of the picture (matched within a batch only).
 */
export const REGION_NAMES = ['content', 'center95', 'center90', 'center80', 'trimTop', 'trimBottom', 'trimLeft', 'trimRight'] as const;
export type RegionName = (typeof REGION_NAMES)[number];

/** The region variant that is searched in hash lists (the others are compared within a batch only). */
export const LIST_REGION: RegionName = 'content';

/** Result of one perceptual hash: the value, its quality (0–100, where the type has one) and variants. */
export interface PerceptualHash {
  readonly value: Uint32Array;
  readonly quality?: number;
  readonly dihedral?: Readonly<Record<DihedralName, Uint32Array>>;
  /** Region variants that were asked for and exist (`content` only when the picture has borders). */
  readonly regions?: Readonly<Partial<Record<RegionName, Uint32Array>>>;
}

/** What all signal types share: a fixed-width bit value with a hex form and a distance. */
export interface SignalTypeBase {
  readonly name: SignalName;
  /** Width of the value in bits (a multiple of 32). */
  readonly bits: number;
  /** 'hamming' = near matches within a threshold; 'exact' = equality only. */
  readonly comparison: 'hamming' | 'exact';
  /** Largest distance that counts as a match by default (0 for exact types). */
  readonly defaultThreshold: number;
  /** Parses a hex value; null when it is not exactly `bits/4` hex digits. */
  parse(text: string): Uint32Array | null;
  /** Lowercase hex of a value; inverse of parse. */
  format(value: Uint32Array): string;
  /** Distance between two values of this type (Hamming for every type; exact types match at 0). */
  distance(a: Uint32Array, b: Uint32Array): number;
}

/** A digest of the file's bytes (MD5, SHA-1, SHA-256): streamed, for files of any type. */
export interface DigestSignalType extends SignalTypeBase {
  readonly source: 'bytes';
  /** Name of the node:crypto hash algorithm. */
  readonly cryptoAlgorithm: string;
}

/** A perceptual hash of decoded pixels (PDQ, blockhash). */
export interface PerceptualSignalType extends SignalTypeBase {
  readonly source: 'pixels';
  /** True when compute() returns a quality (0–100) with every value. */
  readonly hasQuality: boolean;
  /** Quality below which a hash is kept and flagged but not matched (0 when the type has no quality). */
  readonly minMatchQuality: number;
  /** True when compute() can return the image's 8 rotated/flipped variants (PerceptualOptions.dihedral). */
  readonly supportsDihedral: boolean;
  /** True when compute() can return region variants (PerceptualOptions.unletterbox / cropRegions). */
  readonly supportsRegions: boolean;
  /** Computes the hash of one decoded image; pure and deterministic. */
  compute(image: DecodedImage, options: PerceptualOptions): PerceptualHash;
}

/** Any signal type. */
export type SignalType = DigestSignalType | PerceptualSignalType;
