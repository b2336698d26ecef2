/**
 * PDQ's box filters as a WebAssembly SIMD kernel, emitted byte by byte here (no toolchain, no
 * dependency). Every function works on f32x4 vectors whose four lanes are four independent float32
 * accumulators; f32x4.add/sub/mul/div round each lane exactly as a float32 operation does, so every value
 * sees the same sequence of float32 operations as the JavaScript path (pdq-downsample.ts) and the
 * reference. Addresses are byte offsets into the module's memory; rows are padded to whole vectors, and
 * padding lanes compute values nobody reads.
 *
 *   lumaRgb(pix, dst, n4)      float32 luma (0.299f·R + 0.587f·G) + 0.114f·B of 4·n4 RGB pixels
 *   lumaGrey(pix, dst, n4)     float32 of 4·n4 grey pixels
 *   transpose(src, srcRow, srcStep, dst, dstRow, dstStep, n)
 *                              n 4×4 blocks: rows at src + i·srcRow (i < 4), block k at + k·srcStep,
 *                              written transposed likewise at dst
 *   filter(src, dst, cols, w)  the one-dimensional box filter of window w along `cols` vectors at src
 *                              (16 bytes each, every lane its own sequence), written to dst
 *   colAdd(sums, a, n4)        column pass, phase 1: sums += row a (n4 vectors)
 *   colAddWrite(sums, a, dst, n4, count)           phase 2: sums += a, dst = sums / count
 *   colAddSubWrite(sums, a, s, dst, n4, count)     phase 3: sums = (sums + a) − s, dst = sums / count
 *   colAddSubWrite4(sums, a0, a1, a2, a3, s0, s1, s2, s3, dst, dstRow, n4, count)
 *                              four phase-3 steps, output rows at dst + i·dstRow
 *   colSubWrite(sums, s, dst, n4, count)           phase 4: sums −= s, dst = sums / count
 */

import { MODULE_HEADER, name, section, sleb, uleb, vec } from '../wasm/emit.js';

const I32 = 0x7f;
const V128 = 0x7b;

const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40;
const GET = 0x20, SET = 0x21, TEE = 0x22;
const I32_CONST = 0x41, I32_EQZ = 0x45, I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_SHR_S = 0x75;
const F32_CONVERT_I32_S = 0xb2;

// SIMD (prefix 0xfd)
const V128_LOAD = 0, V128_STORE = 11, V128_CONST = 12, I8X16_SHUFFLE = 13, F32X4_SPLAT = 19;
const V128_AND = 78, V128_LOAD32_ZERO = 92;
const I16X8_EXTEND_LOW_I8X16_U = 137, I32X4_EXTEND_LOW_I16X8_U = 169, I32X4_SHR_U = 173;
const F32X4_ADD = 228, F32X4_SUB = 229, F32X4_MUL = 230, F32X4_DIV = 231, F32X4_CONVERT_I32X4_S = 250;

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const get = (l: number): number[] => [GET, ...uleb(l)];
const set = (l: number): number[] => [SET, ...uleb(l)];
const tee = (l: number): number[] => [TEE, ...uleb(l)];
const i32c = (n: number): number[] => [I32_CONST, ...sleb(n)];
/** v128 at address local `p` + offset. */
const load = (p: number, offset = 0): number[] => [...get(p), ...simd(V128_LOAD), 4, ...uleb(offset)];
/** Stores the v128 that `value` pushes at address local `p`. */
const store = (p: number, value: number[]): number[] => [...get(p), ...value, ...simd(V128_STORE), 4, 0];
/** local `l` += n. */
const advance = (l: number, n: number): number[] => [...get(l), ...i32c(n), I32_ADD, ...set(l)];
/** f32x4 splat of the i32 local `l` converted to float32. */
const splatCount = (l: number): number[] => [...get(l), F32_CONVERT_I32_S, ...simd(F32X4_SPLAT)];

function v128Const(bytes: number[]): number[] {
  return [...simd(V128_CONST), ...bytes];
}
function i32x4Const(n: number): number[] {
  const lane = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  return v128Const([...lane, ...lane, ...lane, ...lane]);
}
function f32x4Const(x: number): number[] {
  const bytes = new Uint8Array(new Float32Array([x]).buffer);
  return v128Const([0, 1, 2, 3].flatMap(() => [...bytes]));
}
/** i8x16.shuffle picking 32-bit lanes (0–3 of the first operand, 4–7 of the second). */
function shuffle32(lanes: number[]): number[] {
  return [...simd(I8X16_SHUFFLE), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
}

/** Runs `body` `count` times (the i32 local is consumed; nothing runs when it is 0). */
function repeat(count: number, body: number[]): number[] {
  return [
    BLOCK, VOID,
    ...get(count), I32_EQZ, BR_IF, 0,
    LOOP, VOID,
    ...body,
    ...get(count), ...i32c(1), I32_SUB, ...tee(count), BR_IF, 0,
    END,
    END,
  ];
}

interface FunctionSpec {
  readonly name: string;
  readonly params: number;
  readonly i32Locals: number;
  readonly v128Locals: number;
  readonly body: number[];
}

const LUMA_R = Math.fround(0.299);
const LUMA_G = Math.fround(0.587);
const LUMA_B = Math.fround(0.114);

function lumaRgb(): FunctionSpec {
  const [pix, dst, n4, u] = [0, 1, 2, 3];
  const channel = (shift: number): number[] => [
    ...get(u), ...(shift === 0 ? [] : [...i32c(shift), ...simd(I32X4_SHR_U)]),
    ...i32x4Const(0xff), ...simd(V128_AND), ...simd(F32X4_CONVERT_I32X4_S),
  ];
  const body = repeat(n4, [
    // Each 32-bit lane gets one pixel's R, G, B bytes (and a junk byte on top).
    ...load(pix), ...tee(u), ...get(u), ...simd(I8X16_SHUFFLE), 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0, ...set(u),
    ...store(dst, [
      ...channel(0), ...f32x4Const(LUMA_R), ...simd(F32X4_MUL),
      ...channel(8), ...f32x4Const(LUMA_G), ...simd(F32X4_MUL),
      ...simd(F32X4_ADD),
      ...channel(16), ...f32x4Const(LUMA_B), ...simd(F32X4_MUL),
      ...simd(F32X4_ADD),
    ]),
    ...advance(pix, 12),
    ...advance(dst, 16),
  ]);
  return { name: 'lumaRgb', params: 3, i32Locals: 0, v128Locals: 1, body };
}

function lumaGrey(): FunctionSpec {
  const [pix, dst, n4] = [0, 1, 2];
  const body = repeat(n4, [
    ...store(dst, [
      ...get(pix), ...simd(V128_LOAD32_ZERO), 2, 0,
      ...simd(I16X8_EXTEND_LOW_I8X16_U), ...simd(I32X4_EXTEND_LOW_I16X8_U), ...simd(F32X4_CONVERT_I32X4_S),
    ]),
    ...advance(pix, 4),
    ...advance(dst, 16),
  ]);
  return { name: 'lumaGrey', params: 3, i32Locals: 0, v128Locals: 0, body };
}

function transpose(): FunctionSpec {
  const [src, srcRow, srcStep, dst, dstRow, dstStep, n] = [0, 1, 2, 3, 4, 5, 6];
  const [p1, p2, p3, q1, q2, q3] = [7, 8, 9, 10, 11, 12];
  const [a, b, c, d] = [13, 14, 15, 16];
  const rowPointers = (base: number, row: number, p: number[]): number[] =>
    p.flatMap((l, i) => [...get(base), ...get(row), ...i32c(i + 1), I32_MUL, I32_ADD, ...set(l)]);
  const body = [
    ...rowPointers(src, srcRow, [p1, p2, p3]),
    ...rowPointers(dst, dstRow, [q1, q2, q3]),
    ...repeat(n, [
      ...load(src), ...set(a), ...load(p1), ...set(b), ...load(p2), ...set(c), ...load(p3), ...set(d),
      // a0 b0 a1 b1 | c0 d0 c1 d1 → a0 b0 c0 d0 and a1 b1 c1 d1; likewise lanes 2 and 3.
      ...get(a), ...get(b), ...shuffle32([0, 4, 1, 5]),
      ...get(c), ...get(d), ...shuffle32([0, 4, 1, 5]),
      ...get(a), ...get(b), ...shuffle32([2, 6, 3, 7]), ...set(a),
      ...get(c), ...get(d), ...shuffle32([2, 6, 3, 7]), ...set(c),
      ...set(d), ...set(b), // b = a0 b0 a1 b1, d = c0 d0 c1 d1
      ...store(dst, [...get(b), ...get(d), ...shuffle32([0, 1, 4, 5])]),
      ...store(q1, [...get(b), ...get(d), ...shuffle32([2, 3, 6, 7])]),
      ...store(q2, [...get(a), ...get(c), ...shuffle32([0, 1, 4, 5])]),
      ...store(q3, [...get(a), ...get(c), ...shuffle32([2, 3, 6, 7])]),
      ...[src, p1, p2, p3].flatMap((l) => [...get(l), ...get(srcStep), I32_ADD, ...set(l)]),
      ...[dst, q1, q2, q3].flatMap((l) => [...get(l), ...get(dstStep), I32_ADD, ...set(l)]),
    ]),
  ];
  return { name: 'transpose', params: 7, i32Locals: 6, v128Locals: 4, body };
}

/**
 * For window w and h = floor((w+2)/2), output k is the mean of inputs k−(w−h) … k+h−1 clipped to the
 * axis, kept as one float32 running sum (phases as in pdq-downsample.ts).
 */
function filter(): FunctionSpec {
  const [src, dst, cols, w] = [0, 1, 2, 3];
  const [h, k, count, li] = [4, 5, 6, 7];
  const [s, cv] = [8, 9];
  const divStore = (c: number[]): number[] => [...store(dst, [...get(s), ...c, ...simd(F32X4_DIV)]), ...advance(dst, 16)];
  const body = [
    ...get(w), ...i32c(2), I32_ADD, ...i32c(1), I32_SHR_S, ...set(h),
    ...f32x4Const(0), ...set(s),
    ...i32c(0), ...set(count),
    ...get(src), ...set(li),
    // phase 1: h−1 inputs
    ...get(h), ...i32c(1), I32_SUB, ...set(k),
    ...repeat(k, [...get(s), ...load(src), ...simd(F32X4_ADD), ...set(s), ...advance(src, 16), ...advance(count, 1)]),
    // phase 2: w−h+1 outputs, growing
    ...get(w), ...get(h), I32_SUB, ...i32c(1), I32_ADD, ...set(k),
    ...repeat(k, [
      ...get(s), ...load(src), ...simd(F32X4_ADD), ...set(s), ...advance(src, 16), ...advance(count, 1),
      ...divStore(splatCount(count)),
    ]),
    // phase 3: cols−w outputs, full window
    ...splatCount(count), ...set(cv),
    ...get(cols), ...get(w), I32_SUB, ...set(k),
    ...repeat(k, [
      ...get(s), ...load(src), ...simd(F32X4_ADD), ...load(li), ...simd(F32X4_SUB), ...set(s),
      ...advance(src, 16), ...advance(li, 16),
      ...divStore(get(cv)),
    ]),
    // phase 4: h−1 outputs, shrinking
    ...get(h), ...i32c(1), I32_SUB, ...set(k),
    ...repeat(k, [
      ...get(s), ...load(li), ...simd(F32X4_SUB), ...set(s), ...advance(li, 16),
      ...get(count), ...i32c(1), I32_SUB, ...set(count),
      ...divStore(splatCount(count)),
    ]),
  ];
  return { name: 'filter', params: 4, i32Locals: 4, v128Locals: 2, body };
}

function colAdd(): FunctionSpec {
  const [sums, a, n4] = [0, 1, 2];
  const body = repeat(n4, [
    ...store(sums, [...load(sums), ...load(a), ...simd(F32X4_ADD)]),
    ...advance(sums, 16), ...advance(a, 16),
  ]);
  return { name: 'colAdd', params: 3, i32Locals: 0, v128Locals: 0, body };
}

/** A column step: `update` leaves the new sum on the stack; it is stored and divided out into dst. */
function columnStep(fname: string, pointers: number[], update: (sums: number) => number[]): FunctionSpec {
  const params = pointers.length + 4; // sums, …pointers, dst, n4, count
  const sums = 0;
  const dst = pointers.length + 1;
  const [n4, count] = [dst + 1, dst + 2];
  const [v, cv] = [params, params + 1];
  const body = [
    ...splatCount(count), ...set(cv),
    ...repeat(n4, [
      ...update(sums), ...set(v),
      ...store(sums, get(v)),
      ...store(dst, [...get(v), ...get(cv), ...simd(F32X4_DIV)]),
      ...[sums, ...pointers.map((_, i) => i + 1), dst].flatMap((l) => advance(l, 16)),
    ]),
  ];
  return { name: fname, params, i32Locals: 0, v128Locals: 2, body };
}

function colAddSubWrite4(): FunctionSpec {
  const sums = 0;
  const adds = [1, 2, 3, 4];
  const subs = [5, 6, 7, 8];
  const [dst, dstRow, n4, count] = [9, 10, 11, 12];
  const [d1, d2, d3] = [13, 14, 15];
  const [v, cv] = [16, 17];
  const outs = [dst, d1, d2, d3];
  const body = [
    ...splatCount(count), ...set(cv),
    ...[d1, d2, d3].flatMap((l, i) => [...get(i === 0 ? dst : l - 1), ...get(dstRow), I32_ADD, ...set(l)]),
    ...repeat(n4, [
      ...load(sums), ...set(v),
      ...[0, 1, 2, 3].flatMap((i) => [
        ...get(v), ...load(adds[i]), ...simd(F32X4_ADD), ...load(subs[i]), ...simd(F32X4_SUB), ...set(v),
        ...store(outs[i], [...get(v), ...get(cv), ...simd(F32X4_DIV)]),
      ]),
      ...store(sums, get(v)),
      ...[sums, ...adds, ...subs, ...outs].flatMap((l) => advance(l, 16)),
    ]),
  ];
  return { name: 'colAddSubWrite4', params: 13, i32Locals: 3, v128Locals: 2, body };
}

function functions(): FunctionSpec[] {
  return [
    lumaRgb(),
    lumaGrey(),
    transpose(),
    filter(),
    colAdd(),
    columnStep('colAddWrite', [1], (sums) => [...load(sums), ...load(1), ...simd(F32X4_ADD)]),
    columnStep('colAddSubWrite', [1, 2], (sums) => [...load(sums), ...load(1), ...simd(F32X4_ADD), ...load(2), ...simd(F32X4_SUB)]),
    colAddSubWrite4(),
    columnStep('colSubWrite', [1], (sums) => [...load(sums), ...load(1), ...simd(F32X4_SUB)]),
  ];
}

/** The module's bytes: exports `memory` (1 page, growable) and the functions listed above. */
export function boxModuleBytes(): Uint8Array {
  const fns = functions();
  const types = section(1, vec(fns.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...vec([])])));
  const funcs = section(3, vec(fns.map((_, i) => uleb(i))));
  const memory = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = section(7, vec([[...name('memory'), 0x02, ...uleb(0)], ...fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])]));
  const code = section(
    10,
    vec(
      fns.map((f) => {
        const locals = vec([[f.i32Locals, I32], [f.v128Locals, V128]].filter(([n]) => n > 0).map(([n, t]) => [...uleb(n), t]));
        const body = [...locals, ...f.body, END];
        return [...uleb(body.length), ...body];
      }),
    ),
  );
  return new Uint8Array([...MODULE_HEADER, ...types, ...funcs, ...memory, ...exports, ...code]);
}

/** The part of a WebAssembly memory the kernel uses (the project's type libraries do not declare WebAssembly). */
interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** An instance of the kernel: its memory and functions (arguments as described at the top). */
export interface BoxKernel {
  readonly memory: KernelMemory;
  readonly lumaRgb: (pix: number, dst: number, n4: number) => void;
  readonly lumaGrey: (pix: number, dst: number, n4: number) => void;
  readonly transpose: (src: number, srcRow: number, srcStep: number, dst: number, dstRow: number, dstStep: number, n: number) => void;
  readonly filter: (src: number, dst: number, cols: number, w: number) => void;
  readonly colAdd: (sums: number, a: number, n4: number) => void;
  readonly colAddWrite: (sums: number, a: number, dst: number, n4: number, count: number) => void;
  readonly colAddSubWrite: (sums: number, a: number, s: number, dst: number, n4: number, count: number) => void;
  readonly colAddSubWrite4: (
    sums: number, a0: number, a1: number, a2: number, a3: number,
    s0: number, s1: number, s2: number, s3: number, dst: number, dstRow: number, n4: number, count: number,
  ) => void;
  readonly colSubWrite: (sums: number, s: number, dst: number, n4: number, count: number) => void;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}

/** This thread's compiled module: undefined until first asked, null when the engine cannot run it. */
let compiled: unknown | null | undefined;

/** A fresh kernel instance with its own memory (one page), or null when this engine has no WebAssembly SIMD. */
export function createBoxKernel(): BoxKernel | null {
  if (compiled === undefined) {
    compiled = null;
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    if (api) {
      try {
        const bytes = boxModuleBytes();
        if (api.validate(bytes)) compiled = new api.Module(bytes);
      } catch {
        compiled = null;
      }
    }
  }
  if (compiled === null) return null;
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  return new api.Instance(compiled).exports as BoxKernel;
}
