import { describe, expect, it } from 'vitest'
import type { NearestPlace } from '../../src/places/nearest.ts'
import { parseLocation, similarity } from '../../src/sms/locate.ts'
import { askLocationReply, refugesReply, segments, toGsm } from '../../src/sms/reply.ts'

describe('location from an SMS body', () => {
  it.each([
    ['47.2388, 6.0243', 47.2388, 6.0243, 'coordinates'],
    ['je suis à 47.23880;6.02430 aidez moi', 47.2388, 6.0243, 'coordinates'],
    ['-33.8688 151.2093', -33.8688, 151.2093, 'coordinates'],
    ['geo:47.2388,6.0243?z=19', 47.2388, 6.0243, 'geo_uri'],
    ['GEO:47.2388,6.0243;u=35', 47.2388, 6.0243, 'geo_uri'],
    ['https://www.openstreetmap.org/?mlat=47.2388&mlon=6.0243#map=19/47.2/6.0', 47.2388, 6.0243, 'map_link'],
    ['https://www.openstreetmap.org/#map=18/47.23880/6.02430', 47.2388, 6.0243, 'map_link'],
    ['https://maps.google.com/?q=47.2388,6.0243', 47.2388, 6.0243, 'map_link'],
    ['https://www.google.com/maps/search/?api=1&query=47.2388%2C6.0243', 47.2388, 6.0243, 'map_link'],
    ['https://www.google.fr/maps/place/Bar/@47.2,6.0,17z/data=!3m1!4b1!4m6!3m5!1s0x0:0x0!8m2!3d47.2388!4d6.0243', 47.2388, 6.0243, 'map_link'],
    ['https://www.google.com/maps/@47.2388,6.0243,17z', 47.2388, 6.0243, 'map_link'],
    ['Ma position https://maps.apple.com/?ll=47.2388,6.0243&q=Position', 47.2388, 6.0243, 'map_link'],
  ])('%s', (body, lat, lon, via) => {
    expect(parseLocation(body)).toMatchObject({ lat, lon, via })
  })

  it.each(['aide moi', '12 rue de la Paix, 25000', 'geo:95.0,6.0', '123.4567, 6.0243', 'https://maps.app.goo.gl/abc123', 'https://example.com/?q=47.1,6.1'])(
    'nothing usable in %s',
    (body) => {
      expect(parseLocation(body)).toBeNull()
    },
  )

  it('trigram similarity matches pg_trgm on simple cases', () => {
    expect(similarity('word', 'word')).toBe(1)
    // pg_trgm: similarity('word', 'two words') = 0.36363637
    expect(similarity('word', 'two words')).toBeCloseTo(0.3636, 3)
    expect(similarity('Café de la Gare', 'cafe de la gare')).toBe(1)
  })
})

const place = (over: Partial<NearestPlace>): NearestPlace => ({
  id: 'x',
  name: 'Bar de nuit',
  kind: 'bar',
  address: '1 place de la Révolution, 25000 Besançon',
  phone: null,
  features: [],
  lat: 47.2,
  lon: 6.0,
  distance_m: 123,
  open_now: true,
  open_until: new Date('2026-11-25T01:00:00Z'),
  next_open: null,
  ...over,
})

describe('SMS replies', () => {
  it('carry 17, 112 and 114 and the refuges with distance and closing time', () => {
    const text = refugesReply('fr', [place({}), place({ name: 'Pharmacie', distance_m: 1530, open_until: null })], 'Europe/Paris')
    expect(text).toContain('17')
    expect(text).toContain('112')
    expect(text).toContain('114')
    // "ç" is not in the GSM alphabet (only "Ç" is): folded rather than a UCS-2 message.
    expect(text).toContain("1) Bar de nuit, 1 place de la Révolution, 25000 Besancon, 120 m, jusqu'à 02:00")
    expect(text).toContain('2) Pharmacie')
    expect(text).toContain('1.5 km')
    expect(segments(text)).toBeLessThanOrEqual(2)
  })

  it('stay within two GSM segments: long addresses go first, then refuges', () => {
    const long = 'x'.repeat(120)
    const text = refugesReply('en', [place({ address: long }), place({ address: long }), place({ address: long })], 'Europe/Paris')
    expect(text.length).toBeLessThanOrEqual(306)
    expect(text).not.toContain(long)
    expect(text).toContain('3) Bar de nuit')
    expect(text).toContain('until 02:00')
  })

  it('say back the stop or refuge a name in the message was taken for, within two segments', () => {
    const stop = refugesReply('fr', [place({})], 'Europe/Paris', { via: 'stop', name: 'Gare Centrale' })
    expect(stop).toMatch(/^Urgence : appelez le 17 ou le 112, SMS au 114\. Vous etes près de l'arret Gare Centrale \? Sinon, dites où vous etes\. Refuges ouverts : 1\) Bar de nuit/)
    expect(refugesReply('en', [], 'Europe/Paris', { via: 'stop', name: 'GARE CENTRALE' })).toBe(
      'Emergency: call 17 or 112, text 114. Near stop GARE CENTRALE? If not, say where you are. No open refuge nearby. Alert sent.',
    )
    expect(refugesReply('en', [place({})], 'Europe/Paris', { via: 'name', name: 'Bar de nuit' })).toContain('Near "Bar de nuit"?')
    // Coordinates need no confirmation.
    expect(refugesReply('fr', [place({})], 'Europe/Paris', { via: 'coordinates' })).not.toContain('près de')
    const long = 'x'.repeat(120)
    const crowded = refugesReply('fr', [place({ address: long }), place({ address: long }), place({ address: long })], 'Europe/Paris', {
      via: 'stop',
      name: `Arrêt ${'y'.repeat(80)}`,
    })
    expect(crowded.length).toBeLessThanOrEqual(306)
    expect(crowded).toContain(`l'arret Arret ${'y'.repeat(31)}... ?`)
    expect(crowded).toContain('1) Bar de nuit')
  })

  it('fold characters outside the GSM alphabet instead of switching to UCS-2', () => {
    expect(toGsm('Où êtes-vous ? « Crêperie » — Löwe')).toBe('Où etes-vous ? " Creperie " - Löwe')
    expect(askLocationReply('fr')).toMatch(/^Urgence : appelez le 17 ou le 112, SMS au 114\. Où etes-vous \?/)
    expect(segments(askLocationReply('fr'))).toBeLessThanOrEqual(2)
  })
})
