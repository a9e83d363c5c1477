// Photos attached to reports. A phone's photo carries where it was taken (EXIF GPS), the
// device, often the owner's name: none of it is needed to see a broken lamp, and for a
// harassment report the GPS tag is the person's own position. The type is read from the
// bytes (a header says what the sender claims, the bytes what a browser will decode),
// and metadata is cut out structurally, with no native code, so it runs on Workers too.
// No npm library fitted: exif-be-gone is a Node stream, piexifjs handles JPEG only.

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp'

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024

export class UnreadableImage extends Error {}

export function sniffImage(b: Uint8Array): ImageType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) return 'image/png'
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'image/webp'
  return null
}

// The same image without its metadata. Throws UnreadableImage when the structure is not
// what its signature promises (truncated, or something else wearing a signature).
export function stripMetadata(type: ImageType, b: Uint8Array): Uint8Array {
  if (type === 'image/jpeg') return stripJpeg(b)
  if (type === 'image/png') return stripPng(b)
  return stripWebp(b)
}

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n))

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

// JPEG: kept are the segments a decoder needs, JFIF (APP0), the colour profile (APP2
// ICC_PROFILE) and Adobe's colour transform (APP14). Dropped: APP1 (Exif with GPS, XMP),
// every other APPn (IPTC in APP13, MPF in APP2 whose extra images carry their own Exif),
// comments, and whatever follows the end of the image (MPF's appended pictures).
function stripJpeg(b: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [b.subarray(0, 2)]
  let i = 2
  for (;;) {
    if (i + 1 >= b.length || b[i] !== 0xff) throw new UnreadableImage('JPEG segment expected')
    const marker = b[i + 1]!
    if (marker === 0xff) {
      i++ // fill byte
      continue
    }
    if (marker === 0xd9) {
      parts.push(b.subarray(i, i + 2))
      return concat(parts)
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(b.subarray(i, i + 2))
      i += 2
      continue
    }
    if (i + 4 > b.length) throw new UnreadableImage('JPEG truncated')
    const len = (b[i + 2]! << 8) | b[i + 3]!
    const end = i + 2 + len
    if (len < 2 || end > b.length) throw new UnreadableImage('JPEG segment overruns the file')
    if (keepJpegSegment(marker, b.subarray(i + 4, end))) parts.push(b.subarray(i, end))
    i = end
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0x00 or a restart.
      const start = i
      while (i + 1 < b.length && !(b[i] === 0xff && b[i + 1] !== 0x00 && !(b[i + 1]! >= 0xd0 && b[i + 1]! <= 0xd7))) i++
      if (i + 1 >= b.length) throw new UnreadableImage('JPEG ends inside the image data')
      parts.push(b.subarray(start, i))
    }
  }
}

function keepJpegSegment(marker: number, data: Uint8Array): boolean {
  if (marker === 0xfe) return false // comment
  if (marker >= 0xe0 && marker <= 0xef) {
    if (marker === 0xe0) return ascii(data, 0, 5) === 'JFIF\0' || ascii(data, 0, 5) === 'JFXX\0'
    if (marker === 0xe2) return ascii(data, 0, 12) === 'ICC_PROFILE\0'
    return marker === 0xee && ascii(data, 0, 5) === 'Adobe'
  }
  return true
}

// PNG: text chunks (tEXt/zTXt/iTXt carry XMP and comments), eXIf and tIME go; the
// chunks' CRCs cover type and data only, so the kept chunks stay valid as they are.
const PNG_DROPPED = new Set(['eXIf', 'tEXt', 'iTXt', 'zTXt', 'tIME'])

function stripPng(b: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [b.subarray(0, 8)]
  let i = 8
  for (;;) {
    if (i + 12 > b.length) throw new UnreadableImage('PNG truncated')
    const len = new DataView(b.buffer, b.byteOffset + i, 4).getUint32(0)
    const type = ascii(b, i + 4, 4)
    const end = i + 12 + len
    if (end > b.length) throw new UnreadableImage('PNG chunk overruns the file')
    if (!PNG_DROPPED.has(type)) parts.push(b.subarray(i, end))
    i = end
    if (type === 'IEND') return concat(parts)
  }
}

// WebP (RIFF): the EXIF and XMP chunks go, VP8X stops announcing them, and the RIFF
// size is written again.
function stripWebp(b: Uint8Array): Uint8Array {
  const riffEnd = Math.min(b.length, 8 + new DataView(b.buffer, b.byteOffset + 4, 4).getUint32(0, true))
  const parts: Uint8Array[] = []
  let i = 12
  while (i < riffEnd) {
    if (i + 8 > riffEnd) throw new UnreadableImage('WebP truncated')
    const fourcc = ascii(b, i, 4)
    const size = new DataView(b.buffer, b.byteOffset + i + 4, 4).getUint32(0, true)
    const end = i + 8 + size + (size & 1)
    if (i + 8 + size > riffEnd) throw new UnreadableImage('WebP chunk overruns the file')
    if (fourcc === 'VP8X') {
      const chunk = b.slice(i, Math.min(end, riffEnd))
      if (chunk.length > 8) chunk[8] = chunk[8]! & ~(0x08 | 0x04) // EXIF and XMP flags
      parts.push(chunk)
    } else if (fourcc !== 'EXIF' && fourcc !== 'XMP ') parts.push(b.subarray(i, Math.min(end, riffEnd)))
    i = end
  }
  const body = concat(parts)
  const out = new Uint8Array(12 + body.length)
  out.set(b.subarray(0, 12))
  new DataView(out.buffer).setUint32(4, 4 + body.length, true)
  out.set(body, 12)
  return out
}
