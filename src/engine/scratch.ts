// Typed arrays reused from one swap to the next. The big per-swap planes (the warped face, the
// template's crop, both Lab images, the texture tables) were most of a swap's garbage, and
// collecting it cost about a tenth of a swap. One set per thread: the stages that use it are
// synchronous, and nothing taken from it outlives the swap that took it.

/** Planes larger than this many elements are allocated fresh (a huge face must not stay resident). */
const KEEP_MAX = 2_500_000;

type Typed = Float32Array | Float64Array | Uint8Array;

class Scratch {
  private readonly held = new Map<string, Typed>();

  private take<T extends Typed>(name: string, n: number, make: (n: number) => T, zero = true): T {
    if (n > KEEP_MAX) return make(n);
    let b = this.held.get(name) as T | undefined;
    if (!b || b.length < n) {
      b = make(n);
      this.held.set(name, b);
      return b;
    }
    const v = b.subarray(0, n) as T;
    if (zero) v.fill(0);
    return v;
  }

  /** A zeroed Float32Array of n elements, valid until `name` is taken again. */
  f32(name: string, n: number): Float32Array {
    return this.take(name, n, (m) => new Float32Array(m));
  }

  /** The same, not zeroed: for a plane its user writes whole before reading (a blur's passes). */
  f32Dirty(name: string, n: number): Float32Array {
    return this.take(name, n, (m) => new Float32Array(m), false);
  }

  f64(name: string, n: number): Float64Array {
    return this.take(name, n, (m) => new Float64Array(m));
  }

  u8(name: string, n: number): Uint8Array {
    return this.take(name, n, (m) => new Uint8Array(m));
  }
}

export const scratch = new Scratch();
