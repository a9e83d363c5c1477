import { describe, expect, it } from 'vitest'
import { sniffImage, stripMetadata, UnreadableImage } from '../../src/reports/media.ts'
import { GIF, hasGps, JPEG, jpegWithGps, PNG, pngWithGps, WEBP, webpWithGps } from './images.ts'

// The metadata stripper on its own: each format with a GPS position added by hand.

const pngChunks = (b: Uint8Array) => {
  const out: string[] = []
  for (let i = 8; i < b.length; ) {
    const len = Buffer.from(b).readUInt32BE(i)
    out.push(Buffer.from(b.subarray(i + 4, i + 8)).toString('latin1'))
    i += 12 + len
  }
  return out
}

describe('sniffImage', () => {
  it('reads the type from the bytes', () => {
    expect(sniffImage(JPEG)).toBe('image/jpeg')
    expect(sniffImage(PNG)).toBe('image/png')
    expect(sniffImage(WEBP)).toBe('image/webp')
    expect(sniffImage(GIF)).toBeNull()
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull()
  })
})

describe('stripMetadata', () => {
  it('JPEG: the Exif (GPS) and XMP segments go, the image stays byte for byte', () => {
    const { bytes } = jpegWithGps()
    expect(hasGps(bytes)).toBe(true)
    const out = stripMetadata('image/jpeg', bytes)
    expect(hasGps(out)).toBe(false)
    expect(Buffer.from(out).equals(JPEG)).toBe(true)
  })

  it('JPEG: a comment, an APP13 and data past the end of the image go too', () => {
    const seg = (marker: number, text: string) => {
      const data = Buffer.from(text, 'latin1')
      const head = Buffer.from([0xff, marker, 0, 0])
      head.writeUInt16BE(data.length + 2, 2)
      return Buffer.concat([head, data])
    }
    const bytes = Buffer.concat([JPEG.subarray(0, 2), seg(0xfe, 'shot by Alice'), seg(0xed, 'Photoshop 3.0\0 city'), JPEG.subarray(2), Buffer.from('trailing MPF image')])
    const out = Buffer.from(stripMetadata('image/jpeg', bytes))
    expect(out.equals(JPEG)).toBe(true)
  })

  it('JPEG: a truncated file is refused, not stored half-read', () => {
    expect(() => stripMetadata('image/jpeg', JPEG.subarray(0, 200))).toThrow(UnreadableImage)
    expect(() => stripMetadata('image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]))).toThrow(UnreadableImage)
  })

  it('PNG: eXIf and text chunks go, the rest keeps its order', () => {
    const bytes = pngWithGps()
    expect(pngChunks(bytes)).toContain('eXIf')
    const out = stripMetadata('image/png', bytes)
    expect(hasGps(out)).toBe(false)
    expect(pngChunks(out)).toEqual(pngChunks(PNG).filter((c) => c !== 'tEXt'))
  })

  it('WebP: the EXIF chunk goes, VP8X no longer announces it and the RIFF size is right', () => {
    const bytes = webpWithGps()
    const out = Buffer.from(stripMetadata('image/webp', bytes))
    expect(hasGps(out)).toBe(false)
    expect(out.readUInt32LE(4)).toBe(out.length - 8)
    expect(out[20]! & 0x08).toBe(0)
    expect(out.length).toBe(WEBP.length)
  })
})
