import { crc32 } from 'node:zlib'

// Tiny real images (16×16, the Python logo from CPython's test data, PSF licence) and
// the metadata a phone would add, built byte by byte: EXIF with a GPS position.

export const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAABwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPkJWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kqcWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KOp1KM6iCNvngZHwetf//Z', 'base64')
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAMAAAAoLQ9TAAAAIGNIUk0AAHomAACAhAAA+gAAAIDoAAB1MAAA6mAAADqYAAAXcJy6UTwAAAHFUExURQAAAE6NwEqGujxxnjdolgAAAAAAAAAAAAAAAAAAAE6PxEyKv0iFtkN9rT10oTlsljZmkAAAAAAAAFKRxv3dSvnVPgAAADJghwAAAP3VNgAAADVokgAAAOzORQAAADZpkxsxRQAAAAAAAOLDRf3ZQQAAAEaBsjZnkQAAAPLhbv3pav3LG0N9rhwyS/Xjb/PBGkB1oz1zogAAAMKaEgAAAAAAAAAAAAAAAAAAAOjHPevFNOvCKuu+Ieu7GMabEgAAAAAAAAAAAAAAAAAAAAAAAAAAAP3eTgAAAAAAAAAAAAAAAPHQP/rTOf3SL/rHGcCXEgAAAAAAAAAAAAAAAAAAAAAAAEiDtER+rUB4p0yKvP///0V/r0F5qD50ojpvmzZplEmFt0aAsUJ7qj51oztwnTdqljhsl0+NwUuIu0R9rUB4pj1zoDltmf/iVVCPw0yJvEiEtT10of/eS//aQU2LvkaAsDtwnP/aQv/WN//TLUqHuUeBskN8qz92pf/XOP/PI//mYf/jV//fTf/bQv/TLv/PJP/rbP/nYf/bQ//XOf/MHDpwnP/nYv/jWP/fTv/TL//bRP/XOv/TMP/QJf/YOv/UMP/QJpJJAAIAAABWdFJOUwCv7feSCwMoQRV+oKGjp6qqSBi994IKtkPtJPdPiD22XExHa/dG96pOpvf311uzwm/3S3o0CCE8NaqpqampeSACCRMSLB73QBwFAUzM99h7Ox1CRTgf+DIQcQAAAAFiS0dEWgO7paIAAAD1SURBVBjTY2AAAkamsPAIZhZWNgYoiIyKjomNi2dnhQkkJCYlp6TGc3CCeVzcPLx8/AJp8fGCQiC+cHpGWGZWdk48UCBXRFSMIS+/IDqmMA7IF5coKpaUYihJKE1KLkuNlxaXkS2vqJRjqKquqZVXUBRU4lBWqausV2VQy8xS19DUamhsaq5radVWYtCJKdTVa2tvbOrobGnt0udgMDDsNmrr6e3r6Oxv7eoyNmEwNTO3APItraxtbG3tOOwZHBydnHv7JkycNLmLw8LFFeJ6twlTpk6L0nb3cPT0Agt4+/hO6/LzD3CGec400CJIKTgk1BTIBgBAYkJ/yC2b5QAAACV0RVh0ZGF0ZTpjcmVhdGUAMjAxNC0wMS0yNlQyMDo1OTozNyswMjowMPuaB3cAAAAldEVYdGRhdGU6bW9kaWZ5ADIwMTQtMDEtMjZUMjA6NTk6MDArMDI6MDDB74amAAAAAElFTkSuQmCC', 'base64')
export const WEBP = Buffer.from('UklGRqgBAABXRUJQVlA4WAoAAAAQAAAADwAADwAAQUxQSMMAAAABJ6KokSTleucYX+ffKpmImP90cY3gJjDi4Yt3MsjBEVyDKzDosHgVjnhRNcEIDAJPkqBqsFUZHNa2bUYvTsZ2PLbtd/uvKa4hov9J0f2PkPe6REkkGzolkTTzFG0Ox9PlFiD0CxS+kOGDtxoynjaCfx0pfk52CPuInrOR75lzRugygtv4zEiy90UwfSD9NheMITJWLaXWayO8XeOlWRXVnIGk2W6WdYoYMQ+KqixQNPowgt+6a1BSKbUtz+lUFAoBAAAAVlA4IL4AAACQAgCdASoQABAAAwA0JbACdDBPCIUMfAMdCCz96AD+/XSg/QKbH4r3Q3ycN/bSDK/T/zVo4u6nvclvG/SqxWOuup+XhN9BojvaW+Tv+MvxvX/hr/o/5Qns9LtmX/+qKdl/yWznhuasl7nkxvSTI4xf3Y85VSB/lU/8Ofj/b9JrA+ifvIOYZm2x1RP/dhfmsf5diuSfR7+z+r/+HR3zEo/+XM/B+vkYw73Pzx+ROaAB/ZoBSzEs3rzZe6qsAAAA', 'base64')
export const GIF = Buffer.from('R0lGODlhEAAQAPZkAOu7GOu+IfPBGvrHGf3LG//MHOvCKv/PI//PJP/QJf/QJv/TLf3SL//TLv/TL+vFNOjHPf/TMP/UMP3VNv/WN/rTOf/XOP/XOf/XOvnVPv/YOuzORf3ZQf/aQf/aQv/bQv/bQ//bRP3dSv/eS//fTf3eTv/fTv/iVf/jV//jWP/mYf/nYf/nYvLhbvXjb/3pav/rbDJghzZmkDZnkTVokjZpkzZplDdoljdqljlsljhslzltmTpvmzpwnDtwnDtwnTxxnj1zoD1zoj10oT50oj51oz92pUB4pkB4p0F5qEJ7qkN8q0N9rUN9rkR9rUR+rUV/r0aAsEaAsUaBskeBskiDtEiEtUiFtkmFt0qHuUqGukuIu0yJvEyKvE2LvkyKv06NwE+NwVCPw1KRxv///wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACH5BAEAAGUAIf8LSW1hZ2VNYWdpY2sHZ2FtbWE9MAAsAAAAABAAEAAAB6iAZYJlYVpSTEZAN4OMgl1kUkpEPTiNjFeRRD44NZZlX1dMRDkyOTiVjGNhXFVQR0A8NadlJyMZZWJfVFBKsDW/MWUjHROfV1SSQKczwRvEC2XHS0edjR0XCwdlh0czZS0vLCcmHRoLCARlTJJlLjAsKSYhFxEIBQKCQj5l7/Hl5wUKWIJnAsIDAwEAAPAUb16EBAI9lZF3QUICMukklqnwsMAAjSAHBQIAOw==', 'base64')

// A TIFF block (big-endian) whose IFD0 points to a GPS IFD: latitude 47° 14' 22.68" N,
// longitude 6° 1' 27.00" E. The "Exif\0\0" prefix is JPEG's and WebP's way of carrying it.
export function gpsTiff(): Buffer {
  const b = Buffer.alloc(128)
  b.write('MM', 0, 'latin1')
  b.writeUInt16BE(42, 2)
  b.writeUInt32BE(8, 4)
  // IFD0 at 8: one entry, GPSInfo (0x8825) → 26
  b.writeUInt16BE(1, 8)
  b.writeUInt16BE(0x8825, 10)
  b.writeUInt16BE(4, 12)
  b.writeUInt32BE(1, 14)
  b.writeUInt32BE(26, 18)
  b.writeUInt32BE(0, 22)
  // GPS IFD at 26: four entries, then next-IFD 0, then the rationals at 80
  b.writeUInt16BE(4, 26)
  const entry = (at: number, tag: number, type: number, count: number, value: number | string) => {
    b.writeUInt16BE(tag, at)
    b.writeUInt16BE(type, at + 2)
    b.writeUInt32BE(count, at + 4)
    if (typeof value === 'string') b.write(value, at + 8, 'latin1')
    else b.writeUInt32BE(value, at + 8)
  }
  entry(28, 0x0001, 2, 2, 'N\0')
  entry(40, 0x0002, 5, 3, 80)
  entry(52, 0x0003, 2, 2, 'E\0')
  entry(64, 0x0004, 5, 3, 104)
  b.writeUInt32BE(0, 76)
  const rationals = (at: number, [d, m, s]: [number, number, number]) => {
    for (const [i, [n, den]] of [[d, 1], [m, 1], [s, 100]].entries()) {
      b.writeUInt32BE(n!, at + i * 8)
      b.writeUInt32BE(den!, at + i * 8 + 4)
    }
  }
  rationals(80, [47, 14, 2268])
  rationals(104, [6, 1, 2700])
  return b
}

export const EXIF = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), gpsTiff()])

// The JPEG with an APP1 Exif segment (GPS) and an APP1 XMP segment right after SOI, as cameras write them.
export function jpegWithGps(): { bytes: Buffer; segments: Buffer[] } {
  const app1 = (data: Buffer) => {
    const head = Buffer.alloc(4)
    head.writeUInt16BE(0xffe1, 0)
    head.writeUInt16BE(data.length + 2, 2)
    return Buffer.concat([head, data])
  }
  const exif = app1(EXIF)
  const xmp = app1(Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>47,14.378N</exif:GPSLatitude></x:xmpmeta>', 'latin1'))
  return { bytes: Buffer.concat([JPEG.subarray(0, 2), exif, xmp, JPEG.subarray(2)]), segments: [exif, xmp] }
}

function pngChunk(type: string, data: Buffer) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

// The PNG with an eXIf chunk (GPS) after IHDR (8 + 25 bytes).
export function pngWithGps(): Buffer {
  return Buffer.concat([PNG.subarray(0, 33), pngChunk('eXIf', gpsTiff()), PNG.subarray(33)])
}

// The WebP with an EXIF chunk (GPS) at the end and VP8X announcing it.
export function webpWithGps(): Buffer {
  const chunk = Buffer.alloc(8)
  chunk.write('EXIF', 0, 'latin1')
  chunk.writeUInt32LE(EXIF.length, 4)
  const pad = EXIF.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)
  const out = Buffer.concat([WEBP, chunk, EXIF, pad])
  out.writeUInt32LE(out.length - 8, 4)
  out[20] = out[20]! | 0x08 // VP8X flags: EXIF present
  return out
}

// No GPS left anywhere: neither the TIFF block, nor its prefix, nor XMP's GPS element.
export function hasGps(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes)
  return b.includes(gpsTiff()) || b.includes(Buffer.from('Exif\0\0', 'latin1')) || b.includes(Buffer.from('GPSLatitude', 'latin1')) || b.includes(gpsTiff().subarray(26, 76))
}
