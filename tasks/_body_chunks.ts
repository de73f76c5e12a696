/**
 * The chunks of a response body, read into two reused buffers where the
 * body supports it (BYOB), so that memory stays flat whatever the size of
 * the file.
 *
 * @module
 */

/** Bytes read at once from a body that supports it (BYOB). */
const BUFFER_BYTES = 512 * 1024;

/**
 * The chunks of a body. A byte stream is read into two buffers used in
 * turn (no allocation per chunk, so memory stays flat whatever the size of
 * the file): a chunk's memory is reused two chunks later, after
 * `PartFile.write()` has written it. Other streams (and every stream when
 * `byob` is false) yield their own chunks.
 * When the body breaks off, what arrived before is yielded first.
 */
export async function* chunksOf(
  body: ReadableStream<Uint8Array>,
  byob: boolean,
  expectedBytes: number | undefined,
): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamBYOBReader;
  try {
    if (!byob) throw new TypeError("not a network body");
    reader = body.getReader({ mode: "byob" });
  } catch {
    const plain = body.getReader();
    try {
      for (;;) {
        const { value, done } = await plain.read();
        if (done) return;
        if (value.length > 0) yield value;
      }
    } finally {
      await plain.cancel().catch(() => {});
    }
  }
  // a small file needs no big buffers (one extra byte to see the end)
  const size = Math.max(
    4096,
    Math.min(BUFFER_BYTES, (expectedBytes ?? BUFFER_BYTES) + 1),
  );
  const buffers = [new ArrayBuffer(size), new ArrayBuffer(size)];
  let which = 0;
  try {
    for (;;) {
      let buffer = buffers[which]!;
      let filled = 0;
      let done = false;
      try {
        while (filled < size) {
          const result = await reader.read(
            new Uint8Array(buffer, filled, size - filled),
          );
          if (result.value) buffer = result.value.buffer as ArrayBuffer;
          if (result.done) {
            done = true;
            break;
          }
          filled += result.value.byteLength;
        }
      } catch (error) {
        if (filled > 0) yield new Uint8Array(buffer, 0, filled);
        throw error;
      }
      buffers[which] = buffer;
      if (filled > 0) yield new Uint8Array(buffer, 0, filled);
      if (done) return;
      which ^= 1;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
